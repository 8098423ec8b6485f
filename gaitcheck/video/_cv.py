"""OpenCV, imported once with its console chatter turned down.

FFmpeg and OpenCV otherwise print warnings such as "moov atom not found" straight to
stderr, which would break our promise of one clear line per error. The environment
must be set before cv2 first loads to take effect.
"""

import os

os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")  # AV_LOG_QUIET
os.environ.setdefault("OPENCV_LOG_LEVEL", "ERROR")

import cv2

__all__ = ["cv2"]

"""Reading videos: probing metadata and streaming upright RGB frames with real timestamps."""

from gaitcheck.video.reader import SUPPORTED_SUFFIXES, Frame, VideoInfo, VideoReader

__all__ = ["SUPPORTED_SUFFIXES", "Frame", "VideoInfo", "VideoReader"]

"""Moved to :mod:`gaitcheck.video.writer` (reports write videos too); kept as an alias."""

from gaitcheck.video.writer import ffmpeg_exe, write_video

__all__ = ["ffmpeg_exe", "write_video"]

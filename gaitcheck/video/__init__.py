"""Reading videos: probing metadata and streaming upright RGB frames with real timestamps.

:class:`VideoInfo` lives in :mod:`gaitcheck.video.info`, free of OpenCV; the reader's
names load OpenCV on first use only, so ``import gaitcheck.video.info`` (and the
analysis core that needs it) works without it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gaitcheck.video.info import VideoInfo

if TYPE_CHECKING:
    from gaitcheck.video.reader import SUPPORTED_SUFFIXES, Frame, VideoReader

__all__ = ["SUPPORTED_SUFFIXES", "Frame", "VideoInfo", "VideoReader"]
_READER = ("SUPPORTED_SUFFIXES", "Frame", "VideoReader")


def __getattr__(name: str) -> Any:
    """The reader's names, imported (with OpenCV) when first asked for."""
    if name in _READER:
        from gaitcheck.video import reader

        return getattr(reader, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

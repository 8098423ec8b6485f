"""Video metadata as the analysis sees it: no OpenCV here, so the analysis core
(:mod:`gaitcheck.tracks`, :mod:`gaitcheck.events`, :mod:`gaitcheck.metrics`) imports without
it."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class VideoInfo:
    """What the container says about a video, for the upright frames we deliver.

    Attributes
    ----------
    path : str
        Absolute path of the file.
    fps : float
        Nominal frame rate stored in the container (playback rate, frames/s). For
        slow-motion files this is not the capture rate; see ``slowmo``.
    frame_count : int
        Number of frames the container declares (may be approximate; -1 if unknown).
    duration_s : float
        Playback duration, ``frame_count / fps`` (NaN if unknown), in seconds.
    width, height : int
        Size of the upright frames in pixels, after applying ``rotation``.
    rotation : int
        Clockwise display rotation from the container metadata (0, 90, 180, 270).
    codec : str
        Four-character codec code, e.g. ``"avc1"``.
    slowmo : float
        Playback slow-down factor given by the user (capture fps / playback fps);
        1.0 for real-time video. Real time = file time / ``slowmo``.
    """

    path: str
    fps: float
    frame_count: int
    duration_s: float
    width: int
    height: int
    rotation: int
    codec: str
    slowmo: float = 1.0

    @property
    def capture_fps(self) -> float:
        """Frame rate in real time (frames per real second)."""
        return self.fps * self.slowmo

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (NaN durations become ``None``)."""
        out = asdict(self)
        if not math.isfinite(out["duration_s"]):
            out["duration_s"] = None
        out["capture_fps"] = self.capture_fps
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> VideoInfo:
        """Inverse of :meth:`to_dict`."""
        fields = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        if fields.get("duration_s") is None:
            fields["duration_s"] = float("nan")
        return cls(**fields)

"""Slow-motion storage of a synthetic clip: captured at ``factor`` × the playback rate.

A phone filming at 60 fps and storing the clip at 30 fps makes every duration on the
file's clock twice the real one. :func:`stored_slow` does that to landmark tracks (the
rendered equivalent is :attr:`gaitcheck.synth.clip.ClipSpec.playback_fps`), so the
slow-motion detection and ``--slowmo auto`` can be tested against an exact factor.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from gaitcheck.tracks.tracks import LandmarkTracks


def stored_slow(tracks: LandmarkTracks, factor: float) -> LandmarkTracks:
    """``tracks`` as a file stored ``factor`` × slower than real time.

    Parameters
    ----------
    tracks : LandmarkTracks
        Real-time tracks (``video.slowmo == 1``).
    factor : float
        Capture fps / playback fps (2 for 60 fps stored at 30), > 0.

    Returns
    -------
    LandmarkTracks
        Same frames; ``time_s`` and the video's duration multiplied by ``factor``, its
        fps divided by it, and ``source["stored_slowmo"] = factor`` (the truth).
    """
    if not (np.isfinite(factor) and factor > 0):
        raise ValueError(f"factor must be a positive number, got {factor!r}")
    video = dataclasses.replace(tracks.video, fps=tracks.video.fps / factor,
                                duration_s=tracks.video.duration_s * factor)
    return dataclasses.replace(tracks, time_s=tracks.time_s * factor, video=video,
                               source=tracks.source | {"stored_slowmo": float(factor)})

"""Step markers for front and back views from the hip midpoint's lows.

Heel-forward cues are not visible from the front or back; the pelvis is lowest once per
step, at mid-stance, which is enough for cadence and per-stride frontal measures.
"""

from __future__ import annotations

import numpy as np
from scipy.signal import find_peaks

from gaitcheck.landmarks import LM
from gaitcheck.metrics.analyze import PairedStance
from gaitcheck.tracks.tracks import LandmarkTracks


def frontal_strides(tracks: LandmarkTracks) -> list[PairedStance]:
    """Step markers for front/back views, where heel-forward cues are not visible.

    The hip midpoint is lowest once per step (mid-stance); alternating markers are
    labelled left/right arbitrarily (the stance side is not resolved from the front), so
    only side-agnostic metrics (cadence, crossover per stride) use them.

    Returns
    -------
    list of PairedStance
        One per hip-midpoint low, in time order, with NaN toe-off, confidence 0.6 and
        the segment (split at time gaps) it lies in; empty with fewer than 10 frames
        showing the hips.
    """
    hips = tracks.image[:, [LM["left_hip"], LM["right_hip"]], 1]
    seen = np.isfinite(hips)
    # The mean of the hips seen, without numpy's empty-slice warning where neither is.
    y = np.where(seen, hips, 0.0).sum(axis=1) / np.maximum(seen.sum(axis=1), 1)
    ok = seen.any(axis=1)
    y[~ok] = np.nan
    if ok.sum() < 10:
        return []
    idx = np.arange(len(y))
    y = np.interp(idx, idx[ok], y[ok])
    fps = tracks.fps
    peaks, _ = find_peaks(y, distance=max(2, int(0.22 * fps)),
                          prominence=0.1 * np.nanstd(y) + 1e-9)
    # Frames missing from the video (time gaps) separate segments: no stride spans one.
    breaks = np.flatnonzero(np.diff(tracks.time_s) > 0.1 + 1.0 / fps) + 1
    return [PairedStance("left" if k % 2 == 0 else "right", float(p), np.nan,
                         float(tracks.time_s[p]), np.nan, 0.6,
                         int(np.searchsorted(breaks, p, side="right")))
            for k, p in enumerate(peaks)]

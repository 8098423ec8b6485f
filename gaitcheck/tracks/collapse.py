"""Leg collapses: frames where neither left/right labelling of the lower legs fits.

On a heavily compressed render (CRF 35, 60 fps) MediaPipe draws *both* lower legs
towards each other for one to three frames around a near-foot contact, at full
visibility: at one frame the left ankle sat at x = 315 px and the right at 293 px
where the true ankles were at 152 and 397, the knees 20-75 px off. The swap repair
(:mod:`gaitcheck.tracks.swaps`) can only choose between the two labellings, and
whichever it picks, both legs stay wrong (per-contact knee at IC 0.4-37° against a
true 15-17°). Such frames are found here as those where, under *either* labelling,
*both* legs leave the straight line between their positions just before and after the
run; both legs' knee and foot are then dropped and gap-filled. A single misplaced foot
(one leg off) is :mod:`gaitcheck.tracks.footjump`'s case; a plain swap (the exchanged
labelling fits) is the swap repair's.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from gaitcheck.landmarks import LM
from gaitcheck.sides import SIDES

__all__ = ["COLLAPSE_CHAIN", "collapse_frames", "detect_leg_collapse"]

#: Points of each leg tested (the lower leg: its thigh's far end and the foot's anchor).
COLLAPSE_CHAIN = ("knee", "ankle")
#: Points dropped in a collapsed frame (the foot goes with its ankle).
DROPPED = ("knee", "ankle", "heel", "foot_index")


def collapse_frames(left: np.ndarray, right: np.ndarray, scale: float,
                    max_jump: Callable[[int], float] | float = 0.25, max_len: int = 2,
                    max_grow: int = 0) -> np.ndarray:
    """Frames in which neither labelling puts both legs on their paths.

    A run of ``L ≤ max_len`` frames is a candidate when, in *every* frame of the run and
    under *both* labellings (as given, and left/right exchanged), *each* leg has a
    point farther than ``max_jump`` × ``scale`` from the straight line between that
    leg's positions in the frames just before and just after the run (both fully
    measured), and the two legs lie closer together (mean distance of their points) by
    more than the same amount than on those lines. Candidates are accepted one at a
    time, the one whose removal smooths the legs' paths most first (drop of the summed
    second differences), never touching an accepted run or its anchors. An accepted run
    then grows by up to ``max_grow`` neighbouring frames on each side that leave either
    leg's line between the grown run's anchors, and a single frame between two runs
    joins them. The labels must already be swap-repaired (the anchors are trusted).

    Parameters
    ----------
    left, right : numpy.ndarray, shape (T, K, 2)
        The K points of each leg (:data:`COLLAPSE_CHAIN`), pixels; NaN = missing.
    scale : float
        Length the departure is measured in, pixels (the legs' median shank length).
    max_jump : float or callable
        Smallest departure, ``scale`` units; or a function of the frames between the
        anchors (the run's length + 1) giving it.
    max_len : int
        Longest run tested, frames.
    max_grow : int
        Most frames an accepted run grows by on each side, frames.

    Returns
    -------
    numpy.ndarray of bool, shape (T,)
    """
    n = len(left)
    bad = np.zeros(n, bool)
    def jump(span: int) -> float:
        return float(max_jump(span) if callable(max_jump) else max_jump) * scale

    if not np.isfinite(scale) or scale <= 0 or n < 3:
        return bad
    legs = np.stack([left, right], axis=1).astype(np.float64)  # (T, 2 legs, K, 2)
    ok = np.asarray(np.isfinite(legs).all(axis=(1, 2, 3)), bool)
    pad = np.full((1, *legs.shape[1:]), np.nan)
    xp = np.concatenate([pad, legs, pad])  # xp[i + 1] = legs[i]

    def bend(prev: np.ndarray, mid: np.ndarray, nxt: np.ndarray) -> np.ndarray:
        """Sum |second difference| over both legs' points (0 where unknown)."""
        return np.nan_to_num(np.linalg.norm(prev - 2 * mid + nxt, axis=-1)).sum(axis=(-1, -2))

    cand: list[tuple[float, int, int]] = []  # (gain, first frame, stop)
    for length in range(1, max_len + 1):
        t = np.arange(1, n - length)
        a, b = t - 1, t + length
        valid = np.asarray(ok[a] & ok[b])
        t, a, b = t[valid], a[valid], b[valid]
        if not len(t):
            continue
        collapsed, thr = np.ones(len(t), bool), jump(length + 1)
        before = bend(xp[a], legs[a], legs[t]) + bend(legs[b - 1], legs[b], xp[b + 2])
        lines = []
        for k in range(length):
            w = (k + 1) / (length + 1)
            lines.append((1 - w) * legs[a] + w * legs[b])
            here = legs[t + k]
            for labelled in (here, here[:, ::-1]):  # as given, exchanged
                off = np.linalg.norm(labelled - lines[-1], axis=-1) > thr
                # A missing point neither condemns nor clears its leg.
                collapsed &= off.any(axis=-1).all(axis=-1)
            # ... and the legs drew towards each other (the failure seen), which a leg
            # crossing in mid-swing, already close on the line, cannot.
            gap = np.linalg.norm(here[:, 0] - here[:, 1], axis=-1).mean(-1)
            gap_line = np.linalg.norm(lines[-1][:, 0] - lines[-1][:, 1], axis=-1).mean(-1)
            with np.errstate(invalid="ignore"):
                collapsed &= gap_line - gap > thr
            before += bend(legs[t + k - 1], legs[t + k], legs[t + k + 1])
        after = bend(xp[a], legs[a], lines[0]) + bend(lines[-1], legs[b], xp[b + 2])
        gain = (before - after) / scale
        keep = collapsed & (gain > 0)
        cand += zip(gain[keep].tolist(), t[keep].tolist(), b[keep].tolist(), strict=True)
    runs: list[tuple[int, int]] = []
    for _, first, stop in sorted(cand, reverse=True):
        if not bad[max(first - 1, 0):stop + 1].any():
            bad[first:stop] = True
            runs.append((first, stop))
    # A collapse is flanked by frames where one leg is still off (or was exchanged to
    # be off): the run grows by a neighbour that leaves either leg's line between the
    # grown run's anchors, up to ``max_grow`` frames on each side.
    for first, stop in runs:
        for _ in range(max_grow):
            grown = False
            for f, lo, hi in ((first - 1, first - 2, stop), (stop, first - 1, stop + 1)):
                if lo < 0 or hi >= n or bad[[f, lo, hi]].any() or not ok[[f, lo, hi]].all():
                    continue
                w = (f - lo) / (hi - lo)
                off = np.linalg.norm(legs[f] - ((1 - w) * legs[lo] + w * legs[hi]), axis=-1)
                if (off > jump(hi - lo)).any():
                    bad[f], grown = True, True
                    first, stop = min(first, f), max(stop, f + 1)
            if not grown:
                break
    # One frame between two collapses anchored both and was judged by neither.
    lone = np.zeros(n, bool)
    lone[1:-1] = bad[:-2] & bad[2:] & ~bad[1:-1]
    return bad | lone


def detect_leg_collapse(xy_px: np.ndarray, fps: float, floor: float = 0.15,
                        motion: float = 0.25, max_run_s: float = 0.05) -> np.ndarray:
    """Both legs' lower-leg points in collapsed frames (see :func:`collapse_frames`).

    The smallest departure for a run (or a frame it grows by) spanning ``τ`` seconds
    between its anchors is
    ``max(floor, motion × (τ / 0.1 s)²)`` shank lengths: a real leg leaves the straight
    line between two frames by its acceleration, so by τ² (on the rendered runner, the
    better-fitting leg by at most 0.045 shank lengths over 67 ms, 0.09 over 100 ms; a
    real landing foot 0.21 over 100 ms, :mod:`gaitcheck.tracks.footjump`), and the model's
    own frame-to-frame scatter sets the floor (95th percentile 0.10-0.17 on the real
    clips at 30 fps). The collapses seen depart by 0.2-1.5.

    Parameters
    ----------
    xy_px : numpy.ndarray, shape (T, 33, 2)
        Pixel coordinates (after the swap repair), NaN where missing.
    fps : float
        Frame rate, frames/s (sets the run spans and the longest run).
    floor, motion : float
        Terms of the smallest departure above, shank lengths (median knee-ankle
        distance of both legs).
    max_run_s : float
        Longest collapse, seconds (at least one frame): 3 frames at 60 fps, 2 at 30.

    Returns
    -------
    numpy.ndarray of bool, shape (T, 33)
        True at the knee, ankle, heel and foot_index of both legs in collapsed frames.
    """
    out = np.zeros(xy_px.shape[:2], bool)
    shank = np.concatenate([np.linalg.norm(xy_px[:, LM[f"{s}_knee"]] - xy_px[:, LM[f"{s}_ankle"]],
                                           axis=-1) for s in SIDES])
    if not np.isfinite(shank).any() or not fps > 0:
        return out
    pts = {s: xy_px[:, [LM[f"{s}_{p}"] for p in COLLAPSE_CHAIN]] for s in SIDES}
    max_len = max(1, round(max_run_s * fps + 1e-9))

    def jump(span: int) -> float:
        return max(floor, motion * (span / fps / 0.1) ** 2)

    bad = collapse_frames(pts["left"], pts["right"], float(np.nanmedian(shank)), jump,
                          max_len, max_grow=max(1, max_len // 2))
    out[np.ix_(bad, np.array([LM[f"{s}_{p}"] for s in SIDES for p in DROPPED]))] = True
    return out

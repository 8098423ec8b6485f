"""Whole-foot jumps: a foot the pose model drew somewhere else for one or two frames.

MediaPipe sometimes places a whole landing foot, ankle included, 60-300 px away for a
frame or two (lifted behind the stance leg, or onto the other foot) with full
visibility. Heel and toe stay at their usual distance from the misplaced ankle, so a
foot-geometry test cannot see it; the foot's *path* can: the leg chain cannot move the
foot that far from its neighbours' straight line and straight back within a frame.
"""

from __future__ import annotations

import numpy as np

from gaitcheck.landmarks import LM
from gaitcheck.sides import SIDES

__all__ = ["FOOT_CHAIN", "detect_foot_jumps"]

#: A jump must also exceed this multiple of the foot's speed (pixels per frame) in the
#: frames just outside it.
SPEED_FACTOR = 1.5

#: A foot whose centre lies within this many shank lengths of the other foot's centre is
#: on it (MediaPipe drawing both feet on one).
ONTO_OTHER = 0.15

#: The points that move as one rigid foot.
FOOT_CHAIN = ("ankle", "heel", "foot_index")


def _shank_px(xy_px: np.ndarray, side: str) -> float:
    """Median knee-ankle distance of one leg, pixels (NaN without data)."""
    d = np.linalg.norm(xy_px[:, LM[f"{side}_knee"]] - xy_px[:, LM[f"{side}_ankle"]], axis=-1)
    return float(np.nanmedian(d)) if np.isfinite(d).any() else float("nan")


def foot_jump_frames(foot: np.ndarray, scale: float, max_jump: float = 0.25,
                     max_len: int = 2, onto_other: np.ndarray | None = None) -> np.ndarray:
    """Frames in which a rigid foot left its path and came back within ``max_len`` frames.

    A run of ``L ≤ max_len`` frames is a candidate when *every* point of the foot in
    *every* frame of the run lies farther than ``max_jump`` × ``scale`` from the straight
    line between the foot's positions in the frames just before and just after the run
    (both measured and not themselves jumps). Candidates are removed one at a time, the
    one whose removal smooths the path most first (the drop of the summed second
    differences around it): a glitch also bends the line its neighbours are judged
    against, so the largest displacement alone can point next to the glitch.

    Parameters
    ----------
    foot : numpy.ndarray, shape (T, K, 2)
        The K points of one foot (ankle, heel, foot_index), pixels; NaN = missing.
    scale : float
        Length the jump is measured in, pixels (the leg's median shank length).
    max_jump : float
        Smallest jump, in ``scale`` units. A real foot (rendered 3.3 m/s treadmill run
        at 30 fps) deviates at most 0.21 shank lengths from the line through the frames
        around a two-frame span, landing included; MediaPipe's misplaced landing feet
        0.29-1.5.
    max_len : int
        Longest run of frames tested, frames.
    onto_other : numpy.ndarray of bool, shape (T,), optional
        Frames where the foot lies on the other foot. A run on it needs no more than
        ``max_jump``; elsewhere the displacement must also exceed ``SPEED_FACTOR`` × the
        foot's speed just outside the run (a blurred swing foot is placed less surely
        than one on or near the ground).

    Returns
    -------
    numpy.ndarray of bool, shape (T,)
    """
    n = len(foot)
    onto = np.zeros(n, bool) if onto_other is None else np.asarray(onto_other, bool)
    bad = np.zeros(n, bool)
    if not np.isfinite(scale) or scale <= 0 or n < 4:
        return bad
    x = np.asarray(foot, dtype=np.float64)
    ok = np.isfinite(x).all(axis=(1, 2))
    pad = np.full((1, *x.shape[1:]), np.nan)
    xp = np.concatenate([pad, x, pad])  # xp[i + 1] = x[i]; NaN outside the clip

    def bend(prev: np.ndarray, mid: np.ndarray, nxt: np.ndarray) -> np.ndarray:
        """Mean |second difference| over the foot's points, 0 where unknown."""
        return np.nan_to_num(np.linalg.norm(prev - 2 * mid + nxt, axis=-1).mean(-1))

    # Gains depend on the measured positions only, so greedy removal is one pass over
    # the candidates by falling gain, skipping those that touch a frame already removed.
    cand: list[tuple[float, int, int]] = []  # (gain, first frame, stop)
    for length in range(1, max_len + 1):
        t = np.arange(1, n - length)
        a, b = t - 1, t + length
        valid = ok[a] & ok[b]
        for k in range(length):
            valid &= ok[t + k]
        t, a, b = t[valid], a[valid], b[valid]
        if not len(t):
            continue
        score = np.full(len(t), np.inf)
        before = bend(xp[a], x[a], x[t]) + bend(x[b - 1], x[b], xp[b + 2])
        lines = []
        for k in range(length):
            w = (k + 1) / (length + 1)
            lines.append((1 - w) * x[a] + w * x[b])
            score = np.minimum(score, np.linalg.norm(x[t + k] - lines[-1], axis=-1).min(-1))
            before += bend(x[t + k - 1], x[t + k], x[t + k + 1])
        after = bend(xp[a], x[a], lines[0]) + bend(lines[-1], x[b], xp[b + 2])
        # The foot's own speed just outside the run.
        speed = np.maximum(np.nan_to_num(np.linalg.norm(x[a] - xp[a], axis=-1).mean(-1)),
                           np.nan_to_num(np.linalg.norm(xp[b + 2] - x[b], axis=-1).mean(-1)))
        on_other = np.ones(len(t), bool)
        for k in range(length):
            on_other &= onto[t + k]
        jump = (score > max_jump * scale) & ((score > SPEED_FACTOR * speed) | on_other)
        gain = (before - after) / scale
        keep = jump & (gain > 0)
        cand += zip(gain[keep].tolist(), t[keep].tolist(), b[keep].tolist(), strict=True)
    for _, first, stop in sorted(cand, reverse=True):
        if not bad[first - 1:stop + 1].any():
            bad[first:stop] = True
    return bad


def detect_foot_jumps(xy_px: np.ndarray, max_jump: float = 0.25,
                      max_len: int = 2) -> np.ndarray:
    """Whole-foot jumps of both feet (see :func:`foot_jump_frames`).

    A foot drawn onto the other foot (centres within ``ONTO_OTHER`` shank lengths) needs
    no more than ``max_jump`` to count, however fast it moves.

    Parameters
    ----------
    xy_px : numpy.ndarray, shape (T, 33, 2)
        Pixel coordinates, NaN where missing.
    max_jump : float
        Smallest jump, shank lengths (median knee-ankle distance of the same leg).
    max_len : int
        Longest glitch, frames.

    Returns
    -------
    numpy.ndarray of bool, shape (T, 33)
        True at the ankle, heel and foot_index of a foot in the frames it jumped.
    """
    out = np.zeros(xy_px.shape[:2], bool)
    centre = {s: xy_px[:, [LM[f"{s}_{p}"] for p in FOOT_CHAIN]].mean(axis=1) for s in SIDES}
    with np.errstate(invalid="ignore"):
        apart = np.linalg.norm(centre["left"] - centre["right"], axis=-1)
    for side in SIDES:
        idx = [LM[f"{side}_{p}"] for p in FOOT_CHAIN]
        shank = _shank_px(xy_px, side)
        with np.errstate(invalid="ignore"):
            onto = apart < ONTO_OTHER * shank
        bad = foot_jump_frames(xy_px[:, idx], shank, max_jump, max_len, onto)
        out[np.ix_(bad, idx)] = True
    return out

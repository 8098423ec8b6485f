"""Landmark tracks → per-foot sagittal signals, split into continuous segments.

Everything here works in image pixels (``x`` right, ``y`` down, aspect-correct) scaled by
the subject's leg length, so thresholds are independent of resolution and of how much
of the frame the subject fills. Sagittal coordinates are ``forward`` (direction the
subject faces: ``−x`` when facing image-left, ``+x`` when facing right) and ``up``
(``−y``).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
from scipy.ndimage import median_filter

from gaitcheck.events.model import EventWarning
from gaitcheck.events.settings import EventSettings
from gaitcheck.landmarks import LM
from gaitcheck.sides import SIDES
from gaitcheck.tracks.footjump import detect_foot_jumps
from gaitcheck.tracks.runs import true_runs
from gaitcheck.tracks.tracks import LandmarkTracks

#: Leg landmarks exchanged by a left/right confusion of the pose model.
LEG_PARTS = ("hip", "knee", "ankle", "heel", "foot_index")
FOOT_PARTS = ("heel", "foot_index")


def _idx(side: str, parts: tuple[str, ...]) -> list[int]:
    return [LM[f"{side}_{p}"] for p in parts]


def pixel_coords(tracks: LandmarkTracks) -> np.ndarray:
    """Landmark positions in pixels, shape (T, 33, 2), float64, NaN where unknown.

    Leg landmarks outside the picture are set to NaN: the pose model extrapolates a
    foot that left the frame (a subject entering or leaving), and such guesses must not
    time an event.
    """
    px = tracks.xy_px().copy()
    size = np.array([tracks.video.width, tracks.video.height], dtype=np.float64)
    legs = _idx("left", LEG_PARTS[1:]) + _idx("right", LEG_PARTS[1:])
    sub = px[:, legs]
    with np.errstate(invalid="ignore"):
        outside = np.any((sub < 0.0) | (sub > size), axis=-1)
    sub[outside] = np.nan
    px[:, legs] = sub
    return px


def leg_length_px(px: np.ndarray) -> float:
    """Median leg length (hip → knee → ankle) over frames and sides, pixels; NaN if unknown."""
    lengths = []
    for side in SIDES:
        hip, knee, ankle = (px[:, LM[f"{side}_{p}"]] for p in ("hip", "knee", "ankle"))
        lengths.append(np.linalg.norm(knee - hip, axis=-1) + np.linalg.norm(ankle - knee,
                                                                              axis=-1))
    both = np.concatenate(lengths)
    both = both[np.isfinite(both)]
    return float(np.median(both)) if both.size else float("nan")


def repair_leg_swaps(px: np.ndarray, scale: float,
                     switch_cost: float = EventSettings.leg_swap_switch_cost,
                     swap_prior: float = EventSettings.leg_swap_prior,
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Undo short left/right leg confusions of the pose model by continuity.

    A two-state Viterbi (legs as labelled / exchanged) minimises the squared frame-to-
    frame displacement of the knee, ankle, heel and foot_index of both legs. A swap shows
    as both feet jumping to where the other was; where the feet pass each other (mid-
    swing) both labellings cost the same and the labels are kept. Frames without a leg
    pose break the chain.

    Parameters
    ----------
    px : numpy.ndarray, (T, 33, 2)
        Pixel coordinates (:func:`pixel_coords`).
    scale : float
        Leg length in pixels; costs are in squared leg lengths.
    switch_cost : float
        Cost of entering or leaving the exchanged state, squared leg lengths.
    swap_prior : float
        Cost per frame of the exchanged state, squared leg lengths (swaps are rare).

    Returns
    -------
    px : numpy.ndarray, (T, 33, 2)
        Copy with the legs exchanged back where the path says so.
    swapped : numpy.ndarray, (T,) bool
        Frames that were exchanged.
    """
    left, right = _idx("left", LEG_PARTS[1:]), _idx("right", LEG_PARTS[1:])
    a, b = px[:, left] / scale, px[:, right] / scale
    n = len(px)
    if n < 2:
        return px.copy(), np.zeros(n, dtype=bool)

    def move(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Mean squared displacement per leg landmark from frame i-1 (x) to i (y)."""
        sq = np.sum((y[1:] - x[:-1]) ** 2, axis=-1)
        ok = np.isfinite(sq)
        return np.where(ok, sq, 0.0).sum(axis=1) / np.maximum(ok.sum(axis=1), 1)

    # d[:, p, q]: cost of going from state p at i-1 to state q at i (0 = as labelled).
    same = move(a, a) + move(b, b)
    cross = move(a, b) + move(b, a)
    d = np.stack([np.stack([same, cross], -1), np.stack([cross, same], -1)], 1)
    d += switch_cost * (1.0 - np.eye(2))
    cost = np.array([0.0, swap_prior])
    back = np.zeros((n, 2), dtype=np.int8)
    for i in range(1, n):
        total = cost[:, None] + d[i - 1]
        back[i] = np.argmin(total, axis=0)
        cost = total[back[i], [0, 1]] + (0.0, swap_prior)
    state = np.zeros(n, dtype=np.int8)
    state[-1] = int(np.argmin(cost))
    for i in range(n - 1, 0, -1):
        state[i - 1] = back[i, state[i]]
    swapped = state.astype(bool)
    out = px.copy()
    all_left, all_right = _idx("left", LEG_PARTS), _idx("right", LEG_PARTS)
    out[np.ix_(swapped, np.array(all_left + all_right))] = px[
        np.ix_(swapped, np.array(all_right + all_left))]
    return out, swapped


def facing_evidence(px: np.ndarray, scale: float) -> np.ndarray:
    """Measure per-frame facing evidence from the feet.

    Per-frame facing evidence, (T,): mean over the feet of the heel → foot_index
    horizontal distance in leg lengths; positive when the toes point image-right.
    """
    dx = np.stack([px[:, LM[f"{s}_foot_index"], 0] - px[:, LM[f"{s}_heel"], 0]
                   for s in SIDES])
    n = np.isfinite(dx).sum(axis=0)
    total = np.nansum(dx, axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 0, total / n, np.nan) / scale


def fill_short_gaps(y: np.ndarray, max_gap: int) -> np.ndarray:
    """Interpolate short interior gaps linearly.

    Linearly interpolate interior NaN runs of at most ``max_gap`` samples along axis 0
    (index-based: the gaps are a few frames, where index and time are proportional).
    """
    y = np.array(y, dtype=np.float64, copy=True)
    flat = y.reshape(len(y), -1)
    idx = np.arange(len(y))
    for col in flat.T:
        ok = np.isfinite(col)
        if ok.sum() < 2:
            continue
        for s, e in true_runs(~ok):
            if s > 0 and e < len(col) and e - s <= max_gap:
                col[s:e] = np.interp(idx[s:e], [s - 1, e], [col[s - 1], col[e]])
    return y


def facing_labels(evidence: np.ndarray, window: int, min_run: int,
                  threshold: float = EventSettings.facing_threshold) -> np.ndarray:
    """Label each frame's facing from the direction of the feet.

    Facing of each frame from :func:`facing_evidence`: +1 image-right, -1 image-left,
    0 unknown (no pose, feet foreshortened in a turn, or a run too short to trust).

    Parameters
    ----------
    evidence : numpy.ndarray, (T,)
        Signed foot direction in leg lengths (NaN without pose).
    window : int
        Running-median length, samples (about half a second).
    min_run : int
        Shortest run of one label that counts, samples; shorter runs become 0.
    threshold : float
        Smallest |median evidence| that decides, leg lengths. A side-view foot spans
        about 0.25 leg lengths heel to toe; in a turn it shortens towards 0.

    Returns
    -------
    numpy.ndarray, (T,) int8
    """
    ok = np.isfinite(evidence)
    filled = np.where(ok, evidence, 0.0)
    med = median_filter(filled, size=max(1, window) | 1, mode="nearest")
    label = np.where(med > threshold, 1, np.where(med < -threshold, -1, 0)).astype(np.int8)
    label[~ok] = 0
    for value in (1, -1):
        for s, e in true_runs(label == value):
            if e - s < min_run:
                label[s:e] = 0
    return label


@dataclass(frozen=True)
class SegmentPlan:
    """Where and how to look for events.

    Attributes
    ----------
    segments : list of (int, int, str)
        ``[start, stop)`` row ranges of continuous usable pose, with the facing
        (``"left"``/``"right"``) in each.
    warnings : list of EventWarning
        Turns, facing disagreements and a view without side-on feet.
    """

    segments: list[tuple[int, int, str]]
    warnings: list[EventWarning]


def usable_frames(px: np.ndarray, max_gap: int) -> np.ndarray:
    """Mark the frames usable for gait events.

    Frames with both hips and both feet (heel and foot_index), bridging interior runs
    of at most ``max_gap`` missing frames (the pose model drops single frames).
    """
    need = _idx("left", ("hip", "heel", "foot_index")) + _idx("right", ("hip", "heel",
                                                                         "foot_index"))
    ok = np.isfinite(px[:, need]).all(axis=(1, 2))
    out = ok.copy()
    for s, e in true_runs(~ok):
        if s > 0 and e < len(ok) and e - s <= max_gap:
            out[s:e] = True
    return out


def plan_segments(px: np.ndarray, scale: float, time_s: np.ndarray, facing: str,
                  max_gap: int, turn_margin: int, min_len: int,
                  facing_threshold: float = EventSettings.facing_threshold) -> SegmentPlan:
    """Split the clip into continuous segments of one facing direction.

    Parameters
    ----------
    px : numpy.ndarray, (T, 33, 2)
        Pixel coordinates after swap repair.
    scale : float
        Leg length, pixels.
    time_s : numpy.ndarray, (T,)
        Frame times, s (for the messages).
    facing : {"left", "right"}
        Facing given by the caller. The feet decide each frame's facing (toes point
        forward); a clip whose feet contradict ``facing`` throughout gets a warning.
    max_gap : int
        Longest run of missing frames bridged inside a segment, samples.
    turn_margin : int
        Samples dropped on the turn side of a segment next to a change of facing: the
        steps into and out of a turn are not straight-line gait.
    min_len : int
        Shortest segment kept, samples.
    facing_threshold : float
        Heel-to-toe distance that decides the facing, leg lengths (:func:`facing_labels`).
    """
    given = 1 if facing == "right" else -1
    ok = usable_frames(px, max_gap)
    window = max(3, min_len // 2)
    label = facing_labels(facing_evidence(px, scale), window, window,
                          facing_threshold).astype(int)
    label[~ok] = 0
    known = np.flatnonzero(label)
    warnings: list[EventWarning] = []
    if not len(known):
        # Feet foreshortened throughout: a front, back or steep oblique view, where
        # forward motion is not in the image plane and nothing here applies.
        if ok.any():
            warnings.append(EventWarning(
                "not_side_on", "the feet are never seen side-on (heel to toe across the "
                "image): gait events need a side view"))
        return SegmentPlan([], warnings)
    # Undecided frames between two runs of the same facing (or before the first and
    # after the last run) take that facing; between different facings they are the
    # turn itself and stay out.
    idx = np.arange(len(label))
    prev = label[known[np.clip(np.searchsorted(known, idx, "right") - 1, 0, None)]]
    nxt = label[known[np.clip(np.searchsorted(known, idx), None, len(known) - 1)]]
    fill = (label == 0) & ok & (prev == nxt)
    label[fill] = prev[fill]
    if np.all(label[known] == -given):
        warnings.append(EventWarning(
            "facing_contradicted", f"facing was given as {facing!r} but the feet point "
            "the other way throughout; events use the direction of the feet"))
    segments: list[tuple[int, int, str]] = []
    for value in (-1, 1):
        for s, e in true_runs(label == value):
            turned_before = s > 0 and np.any(label[:s] == -value)
            turned_after = e < len(label) and np.any(label[e:] == -value)
            s2 = s + turn_margin if turned_before else s
            e2 = e - turn_margin if turned_after else e
            if e2 - s2 >= min_len:
                segments.append((s2, e2, "right" if value == 1 else "left"))
    segments.sort()
    for (_, e1, f1), (s2, _, f2) in itertools.pairwise(segments):
        if f1 != f2:
            warnings.append(EventWarning(
                "subject_turns", f"the subject turns between {time_s[e1 - 1]:.2f} s and "
                f"{time_s[s2]:.2f} s (facing {f1} → {f2}); the turn is left out and the two "
                "directions are analysed separately"))
    return SegmentPlan(segments, warnings)


def reject_foot_outliers(px: np.ndarray, scale: float,
                         tolerance: float = EventSettings.foot_outlier_tolerance) -> np.ndarray:
    """Drop a foot's heel and toe where they have come loose from the ankle.

    Set a foot's heel and foot_index to NaN in frames where either has come loose from
    its ankle.

    Heel → ankle and foot_index → ankle distances change little in a side view (the foot
    is rigid and turns in the image plane), so a jump of either away from its median
    means the pose model placed the foot wrongly, typically the far foot drawn onto the
    near one. Tolerance: ``max(tolerance, 4·MAD)`` leg lengths from the median. A whole
    foot, ankle included, that jumped off its path for one or two frames
    (:func:`gaitcheck.tracks.footjump.detect_foot_jumps`) is dropped too, ankle and all.

    Parameters
    ----------
    px : numpy.ndarray, (T, 33, 2)
        Pixel coordinates.
    scale : float
        Leg length, pixels.
    tolerance : float
        Smallest accepted deviation from the median distance, leg lengths.
    """
    out = px.copy()
    # A whole foot drawn elsewhere for a frame or two (ankle included) keeps its shape:
    # only its path shows it (gaitcheck.tracks.footjump).
    out[detect_foot_jumps(px)] = np.nan
    for side in SIDES:
        ankle = px[:, LM[f"{side}_ankle"]]
        bad = np.zeros(len(px), dtype=bool)
        for part in FOOT_PARTS:
            d = np.linalg.norm(px[:, LM[f"{side}_{part}"]] - ankle, axis=-1) / scale
            ok = np.isfinite(d)
            if ok.sum() < 10:
                continue
            med = np.median(d[ok])
            mad = 1.4826 * np.median(np.abs(d[ok] - med))
            with np.errstate(invalid="ignore"):
                bad |= np.abs(d - med) > max(tolerance, 4.0 * mad)
        out[np.ix_(bad, np.array(_idx(side, FOOT_PARTS)))] = np.nan
    return out

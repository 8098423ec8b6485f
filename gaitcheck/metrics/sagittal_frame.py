"""The shared frame of the side-view metrics: ground-aligned points and what they share.

Built once per clip (:func:`sagittal_frame`): landmarks turned into ground-aligned
``(forward, up)`` pixels, the body midpoints, the trunk and head angle series, the leg
length, each foot's flat-foot angle, and the stances inside the clip. The metric
functions of :mod:`gaitcheck.metrics.sagittal` read one stance of it each.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gaitcheck.landmarks import LM
from gaitcheck.metrics import formulas as f
from gaitcheck.metrics.analyze import PairedStance, next_stride
from gaitcheck.metrics.frames import estimate_ground, image_sagittal, rotate
from gaitcheck.sides import SIDES
from gaitcheck.tracks.tracks import LandmarkTracks

#: Heel or toe this far above its lowest point of the stance (foot lengths) gives a frame
#: no flat-foot weight: a rise of 0.10 tilts the foot by ~6°, so it is no longer flat;
#: the weight falls linearly from 1 at the low (half weight at a ~3° tilt).
FLAT_RISE = 0.10
#: Flat weight (frames' worth) a stance needs to give a flat-foot angle: at least one
#: frame with heel and toe both within half of :data:`FLAT_RISE` of their lows.
MIN_STANCE_FLAT_WEIGHT = 0.5
#: Stances with a flat frame a foot needs for its flat-frame reference. At 30 fps a
#: running stance has one or two flat frames, whose angle scatters by 2–5° (SD) from
#: stance to stance, so a median of n stances is uncertain by ~1.25 · 4° / √n: with 3
#: stances a 3 s rendered runner and its mirror read references 1.8° apart and the clip
#: 1.16° apart (0.91° with 4; 0.52° with 5, where both fall back to the window).
MIN_FLAT_STANCES = 5
#: Fallback part of the stance (fractions of IC → TO) where the foot is usually flat.
FLAT_FOOT_WINDOW = (0.35, 0.55)
#: Flat-foot angles beyond this (deg) are pose errors, not shoes.
FLAT_FOOT_LIMIT_DEG = 8.0


@dataclass(frozen=True, eq=False)
class SagittalFrame:
    """Everything the side-view metrics share, computed once per clip.

    Attributes
    ----------
    points : numpy.ndarray, (T, 33, 2)
        Landmarks as ``(forward, up)`` pixels, rotated so the ground line is horizontal.
    hip_mid, shoulder_mid, ear_mid : numpy.ndarray, (T, 2)
        Midpoints of the two hips, shoulders and ears, same frame.
    trunk_deg, head_deg : numpy.ndarray, (T,)
        Trunk lean and head-forward angle per frame, degrees, forward positive, from the
        landmarks corrected for the pose model's known offsets
        (:func:`gaitcheck.metrics.formulas.trunk_posture_deg`,
        :func:`gaitcheck.metrics.formulas.head_posture_deg`).
    leg_px : float
        Median leg length (thigh + shank), pixels, of the near leg (both legs when the
        near side is unknown); NaN when no leg was seen.
    flat_foot_deg : dict of str to float
        Per side, the foot angle of the flat foot (the stance frames where heel and toe
        are both at their lows, :func:`_flat_foot_deg`) as the pose model places heel
        and toe (the toe point sits on top of the shoe), degrees within ±8; the
        other foot's when only that one was measured (the offset is the model's, the
        same on both feet), 0 when neither was. Foot angles at contact are relative to
        it.
    stances : tuple of PairedStance
        Stances inside the clip, in IC order (a TO past the last frame is dropped).
    filled : numpy.ndarray of bool, (T, 33), optional
        Points the cleaning interpolated.
    ground_deg, ground_confidence : float
        Inclination of the ground line applied (degrees, positive rising forward; 0
        when not applied) and its confidence 0..1
        (:func:`gaitcheck.metrics.frames.estimate_ground`).
    ground_info : dict
        The ground estimate for ``report.json`` (:meth:`GroundEstimate.to_dict`).
    time_s : numpy.ndarray, (T,)
        Time of every row, s (the foot angle is read a fixed time before IC).
    """

    points: np.ndarray
    hip_mid: np.ndarray
    shoulder_mid: np.ndarray
    ear_mid: np.ndarray
    trunk_deg: np.ndarray
    head_deg: np.ndarray
    leg_px: float
    flat_foot_deg: dict[str, float]
    stances: tuple[PairedStance, ...]
    filled: np.ndarray | None
    ground_deg: float
    ground_confidence: float
    ground_info: dict[str, Any] = field(default_factory=dict)
    time_s: np.ndarray = field(default_factory=lambda: np.zeros(0))

    @property
    def n_frames(self) -> int:
        """Number of frames T."""
        return len(self.points)

    def point(self, frame: int, side: str, part: str) -> np.ndarray:
        """``(forward, up)`` of landmark ``{side}_{part}`` at an integer frame."""
        return self.points[frame, LM[f"{side}_{part}"]]

    def series(self, window: slice, side: str, part: str) -> np.ndarray:
        """``(forward, up)`` of landmark ``{side}_{part}`` over a window of frames."""
        return self.points[window, LM[f"{side}_{part}"]]

    def next_step(self, k: int) -> PairedStance | None:
        """Return the next stance (either foot) in the same segment, or None."""
        nxt = self.stances[k + 1] if k + 1 < len(self.stances) else None
        return nxt if nxt is not None and nxt.segment == self.stances[k].segment else None

    def next_stride(self, k: int) -> PairedStance | None:
        """Return the next stance of the same foot in the same segment, or None."""
        return next_stride(self.stances, k)

    def step_window(self, k: int) -> slice | None:
        """Frames from stance ``k``'s IC to the next IC (either foot, same segment), or None."""
        nxt = self.next_step(k)
        return None if nxt is None else slice(int(np.ceil(self.stances[k].ic)),
                                              int(np.floor(nxt.ic)) + 1)

    def stride_window(self, k: int) -> slice | None:
        """Frames from stance ``k``'s IC to the same foot's next IC (same segment), or None."""
        same = self.next_stride(k)
        return None if same is None else slice(int(np.ceil(self.stances[k].ic)),
                                               int(np.floor(same.ic)) + 1)


def sagittal_frame(tracks: LandmarkTracks, facing: str, near: str | None,
                   stances: list[PairedStance],
                   filled: np.ndarray | None = None) -> SagittalFrame:
    """Build the shared frame of the side-view metrics, ground-levelled, pixels.

    Parameters
    ----------
    tracks : LandmarkTracks
        Cleaned tracks.
    facing : {"left", "right"}
        Direction the subject faces in the image.
    near : {"left", "right"} or None
        Side nearer the camera; its leg gives the leg length.
    stances : list of PairedStance
        Paired events; stances whose IC lies outside the clip are dropped.
    filled : numpy.ndarray, optional
        (T, 33) points the cleaning interpolated.
    """
    n = tracks.n_frames
    kept = tuple(st if np.isnan(st.to) or st.to <= n - 1 else
                 PairedStance(st.side, st.ic, np.nan, st.ic_s, np.nan, st.confidence,
                              st.segment)
                 for st in stances if 0 <= st.ic <= n - 1)
    raw = image_sagittal(tracks, facing)
    ground = estimate_ground(raw, [(s.side, s.ic, s.to) for s in kept if np.isfinite(s.to)],
                             facing, tracks.source.get("scene_lines"))
    sag = rotate(raw, ground.angle_deg)

    def mid(a: str, b: str) -> np.ndarray:
        return (sag[:, LM[a]] + sag[:, LM[b]]) / 2

    hip_mid, sh_mid = mid("left_hip", "right_hip"), mid("left_shoulder", "right_shoulder")
    ear_mid = mid("left_ear", "right_ear")
    legs = {s: f.leg_length(sag[:, LM[f"{s}_hip"]], sag[:, LM[f"{s}_knee"]],
                            sag[:, LM[f"{s}_ankle"]]) for s in SIDES}
    leg_all = legs[near] if near else np.concatenate(list(legs.values()))
    leg_px = float(np.nanmedian(leg_all)) if np.isfinite(leg_all).any() else float("nan")
    bias = f.landmark_bias_for(tracks.source)
    return SagittalFrame(sag, hip_mid, sh_mid, ear_mid,
                         f.trunk_posture_deg(hip_mid, sh_mid, ear_mid, bias),
                         f.head_posture_deg(hip_mid, sh_mid, ear_mid, bias), leg_px,
                         _flat_feet(sag, kept), kept, filled,
                         ground.angle_deg, ground.confidence, ground.to_dict(),
                         np.asarray(tracks.time_s, dtype=np.float64))


def _flat_feet(sag: np.ndarray, stances: tuple[PairedStance, ...]) -> dict[str, float]:
    """:attr:`SagittalFrame.flat_foot_deg` of both sides.

    A foot without a measured stance (no toe-off found on a short clip) takes the other
    foot's reference rather than 0: the reference is the model's reading of a flat shoe
    (−7.6…−8.2° on rendered runners), so 0 shifted that foot's angles at contact by ~8°
    and with them the clip's strike class (a split pass of the 3 s overground sample
    found one toe-off fewer on the far foot than the single pass: 3.7 vs 0.2°).
    """
    flat = {s: _flat_foot_deg(sag, stances, s) for s in SIDES}
    for s, other in zip(SIDES, SIDES[::-1], strict=True):
        if not np.isfinite(flat[s]):
            flat[s] = flat[other] if np.isfinite(flat[other]) else 0.0
    return flat


def _flat_foot_deg(sag: np.ndarray, stances: tuple[PairedStance, ...], side: str) -> float:
    """One side's flat-foot angle, deg: the median of its stances' flat-frame angles.

    A frame of the stance (IC → TO) is flat when heel and toe are both at their lowest
    height of that stance; its weight falls linearly to 0 as either rises to
    :data:`FLAT_RISE` foot lengths above it (:func:`_flat_weights`). Each stance with a
    flat weight of at least :data:`MIN_STANCE_FLAT_WEIGHT` gives the weighted median of
    its frames' angles, and the side's angle is the median over those stances. A fixed
    fraction of the stance would reach past heel-off where the flat phase is short: the
    real treadmill clip's far foot lies flat for about one 30 fps frame (IC + 2.5…3,
    −1.7° on the pixels' flat shoe) and tips toes-down from IC + 3 (−8.3°), so with
    toe-off at the shoe tip the 0.35–0.55 window read it at −7.1°; the flat frames read
    −3.3°. With fewer than :data:`MIN_FLAT_STANCES` such stances (clips of a few
    seconds; feet whose landmarks never sit flat, as the sandalled walker's drifting heel
    point) the median over :data:`FLAT_FOOT_WINDOW` of the stances is used instead.

    Clipped to ±:data:`FLAT_FOOT_LIMIT_DEG`; NaN without a measured stance.
    """
    heel, toe = sag[:, LM[f"{side}_heel"]], sag[:, LM[f"{side}_foot_index"]]
    measured = [st for st in stances if st.side == side and np.isfinite(st.to)]
    span = np.hypot(*(toe - heel).T)
    foot_len = float(np.nanmedian(span)) if np.isfinite(span).any() else float("nan")
    flat = []
    for st in measured:
        rows = np.arange(max(0, int(np.ceil(st.ic))), min(len(sag) - 1, int(np.floor(st.to))) + 1)
        angle = f.foot_angle_deg(heel[rows], toe[rows])
        weight = _flat_weights(heel[rows, 1], toe[rows, 1], foot_len)
        weight = np.where(np.isfinite(angle), weight, 0.0)
        if weight.sum() >= MIN_STANCE_FLAT_WEIGHT:
            flat.append(_weighted_median(angle, weight))
    if len(flat) >= MIN_FLAT_STANCES:
        ref = float(np.median(flat))
    else:
        ref = _window_flat_foot_deg(sag, measured, side)
    return float(np.clip(ref, -FLAT_FOOT_LIMIT_DEG, FLAT_FOOT_LIMIT_DEG)) \
        if np.isfinite(ref) else float("nan")


def _flat_weights(heel_up: np.ndarray, toe_up: np.ndarray, foot_len: float) -> np.ndarray:
    """Flatness of each frame of one stance, 0..1 (0 where a point is missing).

    Parameters
    ----------
    heel_up, toe_up : numpy.ndarray, (n,)
        Heights (ground-aligned ``up`` pixels) of the heel and foot_index over the stance.
    foot_len : float
        Heel → foot_index length, pixels.
    """
    if not (np.isfinite(heel_up).any() and np.isfinite(toe_up).any()) or not foot_len > 0:
        return np.zeros(len(heel_up))
    rise = np.maximum(heel_up - np.nanmin(heel_up), toe_up - np.nanmin(toe_up)) / foot_len
    weight = np.clip(1.0 - rise / FLAT_RISE, 0.0, 1.0)
    return np.where(np.isfinite(weight), weight, 0.0)


def _weighted_median(x: np.ndarray, w: np.ndarray) -> float:
    """Weighted median of ``x``, interpolated between values.

    It moves continuously with the weights: a frame whose weight shrinks to 0 fades out.
    """
    keep = (w > 0) & np.isfinite(x)
    order = np.argsort(x[keep])
    xs, ws = x[keep][order], w[keep][order]
    mid = np.cumsum(ws) - 0.5 * ws
    return float(np.interp(0.5 * ws.sum(), mid, xs))


def _window_flat_foot_deg(sag: np.ndarray, stances: list[PairedStance], side: str) -> float:
    """Median foot angle over :data:`FLAT_FOOT_WINDOW` of the stances, deg.

    Unclipped; NaN without a frame.
    """
    a, b = FLAT_FOOT_WINDOW
    angles = [f.foot_angle_deg(sag[t, LM[f"{side}_heel"]], sag[t, LM[f"{side}_foot_index"]])
              for st in stances
              for t in range(max(0, int(np.ceil(st.ic + a * (st.to - st.ic)))),
                             min(len(sag) - 1, int(np.floor(st.ic + b * (st.to - st.ic)))) + 1)]
    if not np.isfinite(angles).any():
        return float("nan")
    return float(np.nanmedian(angles))

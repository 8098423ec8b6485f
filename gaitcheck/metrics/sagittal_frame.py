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

#: Part of the stance (fractions of IC → TO) where every strike type has the foot flat.
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
        Per side, the foot angle of the flat foot at mid-stance as the pose model places
        heel and toe (the toe point sits on top of the shoe), degrees within ±8; the
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
    """Median foot angle of one side's feet in the middle of their stances, deg.

    Clipped to ±:data:`FLAT_FOOT_LIMIT_DEG`; NaN without a measured stance.
    """
    a, b = FLAT_FOOT_WINDOW
    angles = [f.foot_angle_deg(sag[t, LM[f"{side}_heel"]], sag[t, LM[f"{side}_foot_index"]])
              for st in stances if st.side == side and np.isfinite(st.to)
              for t in range(max(0, int(np.ceil(st.ic + a * (st.to - st.ic)))),
                             min(len(sag) - 1, int(np.floor(st.ic + b * (st.to - st.ic)))) + 1)]
    if not np.isfinite(angles).any():
        return float("nan")
    return float(np.clip(np.nanmedian(angles), -FLAT_FOOT_LIMIT_DEG, FLAT_FOOT_LIMIT_DEG))

"""Per-frame joint and segment angles, and their time-normalised gait-cycle curves.

The angles follow the formulas of :mod:`gaitcheck.metrics.formulas` frame by frame,
so a curve read at an initial contact gives the metric reported for that contact (up to
the sub-frame interpolation the metrics use). Reports, CSVs and the annotated video draw
from these series; the metrics themselves are computed in :mod:`gaitcheck.metrics.analyze`.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import numpy as np

from gaitcheck.landmarks import LM
from gaitcheck.metrics import formulas as d
from gaitcheck.metrics.frames import image_frontal, image_sagittal, rotate
from gaitcheck.sides import SIDES
from gaitcheck.tracks.tracks import LandmarkTracks

#: Per-frame series in a sagittal (side) view, degrees. ``{side}`` is left or right.
SAGITTAL_SERIES = ("trunk_lean_deg", "head_forward_deg", "knee_flexion_{side}_deg",
                   "hip_flexion_{side}_deg", "foot_angle_{side}_deg", "elbow_flexion_{side}_deg")
#: Per-frame series in a frontal (front/back) view, degrees.
FRONTAL_SERIES = ("lateral_trunk_lean_deg",)
#: Samples of a time-normalised gait cycle (0, 1, ..., 100 % of the stride).
CYCLE_POINTS = 101


def _mid(p: np.ndarray, a: str, b: str) -> np.ndarray:
    return (p[:, LM[a]] + p[:, LM[b]]) / 2


def frame_angles(tracks: LandmarkTracks, view: str | None, facing: str | None = None,
                 ground_deg: float = 0.0) -> dict[str, np.ndarray]:
    """Angle series, one value per frame (NaN where landmarks are missing).

    Parameters
    ----------
    tracks : LandmarkTracks
        Cleaned tracks (see :func:`gaitcheck.tracks.clean.clean_tracks`).
    view : {"side", "oblique", "front", "back"} or None
        Camera view; None or unknown gives an empty dict.
    facing : {"left", "right"}, optional
        Direction the subject faces in side views (required there).
    ground_deg : float
        Inclination of the ground line, degrees (``report.json``
        ``analysis.frame.ground_angle_deg``); side-view angles are taken relative to it.

    Returns
    -------
    dict of str to ndarray (T,)
        Side views: trunk lean and head-forward angle (forward positive, from vertical),
        knee flexion (0 = straight), hip flexion (thigh ahead of the trunk line
        positive, extension negative), foot angle (heel → foot_index from the ground
        line, toe up positive, uncorrected for the shoe's flat-foot offset) and elbow
        flexion, per side. Front/back views: lateral trunk lean (toward the subject's
        right positive).
    """
    if view in ("side", "oblique") and facing in ("left", "right"):
        sag = rotate(image_sagittal(tracks, facing), ground_deg)
        hip, sh = _mid(sag, "left_hip", "right_hip"), _mid(sag, "left_shoulder", "right_shoulder")
        ear, bias = _mid(sag, "left_ear", "right_ear"), d.landmark_bias_for(tracks.source)
        out = {"trunk_lean_deg": d.trunk_posture_deg(hip, sh, ear, bias),
               "head_forward_deg": d.head_posture_deg(hip, sh, ear, bias)}
        trunk_down = hip - sh
        for s in SIDES:
            p = {k: sag[:, LM[f"{s}_{k}"]] for k in ("shoulder", "elbow", "wrist", "hip",
                                                       "knee", "ankle", "heel", "foot_index")}
            out[f"knee_flexion_{s}_deg"] = d.joint_flexion_deg(p["hip"], p["knee"], p["ankle"])
            thigh = p["knee"] - p["hip"]
            out[f"hip_flexion_{s}_deg"] = np.degrees(
                np.arctan2(thigh[:, 0], -thigh[:, 1])
                - np.arctan2(trunk_down[:, 0], -trunk_down[:, 1]))
            out[f"foot_angle_{s}_deg"] = d.foot_angle_deg(p["heel"], p["foot_index"])
            out[f"elbow_flexion_{s}_deg"] = d.joint_flexion_deg(p["shoulder"], p["elbow"],
                                                                p["wrist"])
        return {k: np.asarray(v, float) for k, v in out.items()}
    if view in ("front", "back"):
        fr = image_frontal(tracks, view)
        lateral = d.trunk_lean_deg(_mid(fr, "left_hip", "right_hip"),
                                   _mid(fr, "left_shoulder", "right_shoulder"))
        return {"lateral_trunk_lean_deg": np.asarray(lateral, float)}
    return {}


def gait_cycle_curves(series: np.ndarray, contact_frames: Sequence[float],
                      points: int = CYCLE_POINTS, min_valid: float = 0.8) -> dict[str, Any]:
    """Time-normalise ``series`` to the gait cycle of one foot.

    Each stride runs from one initial contact of the foot to its next one (0–100 %);
    strides with less than ``min_valid`` finite samples are skipped.

    Parameters
    ----------
    series : ndarray (T,)
        A per-frame series (e.g. from :func:`frame_angles`).
    contact_frames : sequence of float
        Fractional frame rows of the foot's initial contacts, in time order.

    Returns
    -------
    dict
        ``percent`` (points,), ``strides`` (n, points), ``mean`` and ``sd`` (points,; NaN
        when no stride qualifies), and ``n_strides``.
    """
    pct = np.linspace(0.0, 100.0, points)
    rows = np.arange(len(series), dtype=float)
    finite = np.isfinite(series)
    strides = []
    ics = sorted(float(c) for c in contact_frames)
    for a, b in itertools.pairwise(ics):
        inside = (rows >= np.floor(a)) & (rows <= np.ceil(b))
        if b <= a or inside.sum() < 3 or finite[inside].mean() < min_valid:
            continue
        t = a + (b - a) * pct / 100.0
        strides.append(np.interp(t, rows[finite], series[finite]))
    arr = np.asarray(strides, float).reshape(-1, points)
    if len(arr):
        mean, sd = arr.mean(axis=0), arr.std(axis=0, ddof=1) if len(arr) > 1 else np.zeros(points)
    else:
        mean = sd = np.full(points, np.nan)
    return {"percent": pct, "strides": arr, "mean": mean, "sd": sd, "n_strides": len(arr)}

"""Scene understanding from landmark tracks: camera view, treadmill or overground, near leg.

Each decision combines independent cues, each mapped to a signed score in [-1, 1] (a
``tanh`` of the measured value over its typical magnitude), and reports every cue in
``Scene.evidence`` so a reader can see why. A confidence in [0, 1] says how clear-cut the
decision is (how far from the class boundary) and how well the cues agree.

Conventions: image ``x`` right, ``y`` down; ``left``/``right`` of the subject are their own
sides; *facing* is the image direction the subject faces in a side or oblique view.
"""

from __future__ import annotations

import dataclasses
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gaitcheck.landmarks import LM
from gaitcheck.tracks.setting import decide_setting
from gaitcheck.tracks.tracks import LandmarkTracks

VIEWS = ("side", "front", "back", "oblique", "unknown")
SETTINGS = ("treadmill", "overground", "unknown")
#: Shoulder width over torso length (shoulder midpoint to hip midpoint) of an adult seen
#: from the front (MediaPipe shoulder points are the joint centres: about 0.35 m over 0.5 m).
FRONTAL_SHOULDER_RATIO = 0.7
#: Yaw from the side view (deg): below the first a view is a side view, above the second a
#: front or back view, in between oblique.
SIDE_MAX_DEG, FRONT_MIN_DEG = 30.0, 60.0
#: Largest trunk angle from image-vertical (deg) of an upright subject: runners lean
#: 5-15°, sprint starts about 45°; beyond 60° the video is turned (a phone on its side).
UPRIGHT_MAX_DEG = 60.0
#: Hip travel (body heights/s) and change of the torso's image size (1/s) that separate
#: overground from treadmill: the slowest walk (0.5 m/s ≈ 0.3 body heights/s, or 0.1/s in
#: image scale walking towards a camera 5 m away) is about twice these, a treadmill
#: runner's drift on the belt a fraction of them.
TRAVEL_BH_PER_S, SCALE_RATE_PER_S = 0.15, 0.05
_PAIRS = ("shoulder", "hip", "knee", "ankle", "elbow", "wrist")
_FACE = ("nose", "left_eye_inner", "left_eye", "right_eye_inner", "right_eye", "mouth_left",
         "mouth_right")


@dataclass(frozen=True)
class Scene:
    """What the camera sees.

    Attributes
    ----------
    view : {"side", "front", "back", "oblique", "unknown"}
        Side: the subject's sagittal plane faces the camera (within 30°); front: running
        towards the camera, back: away from it (within 30° of either); oblique between.
    facing : {"left", "right"} or None
        Image direction the subject faces in a side or oblique view.
    view_confidence : float
        0..1.
    setting : {"treadmill", "overground", "unknown"}
        Whether the subject stays in place (treadmill) or travels (overground), judged
        from the image with a static camera (a panning camera looks like a treadmill).
    setting_confidence : float
        0..1.
    near_side : {"left", "right"} or None
        The subject's side nearer the camera in a side or oblique view (e.g. "left" when
        facing image-left with the camera on their left).
    near_side_confidence : float
        0..1.
    evidence : dict
        Every cue's measured value and signed score (JSON-ready).
    overridden : tuple of str
        Fields set by the user (:meth:`with_overrides`) rather than detected.
    """

    view: str
    facing: str | None
    view_confidence: float
    setting: str
    setting_confidence: float
    near_side: str | None
    near_side_confidence: float
    evidence: dict[str, Any] = field(default_factory=dict)
    overridden: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """Return the view label of the report.

        "side-left", "side-right", "front", "back", "oblique-left", "oblique-right",
        "side", "oblique" or "unknown" (the synthetic camera names for the side views).
        """
        return f"{self.view}-{self.facing}" if self.facing else self.view

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict, with ``label``."""
        return {**dataclasses.asdict(self), "overridden": list(self.overridden),
                "label": self.label}

    def with_overrides(self, view: str | None = None, setting: str | None = None) -> Scene:
        """Return a copy with user-given facts (CLI ``--view``, ``--treadmill/--overground``).

        Parameters
        ----------
        view : str, optional
            "side", "side-left", "side-right", "front", "back", "oblique",
            "oblique-left" or "oblique-right"; a bare "side"/"oblique" keeps the detected
            facing. In a side view without a detected near side, the facing decides it
            (facing image-left → left side near, as for an unmirrored video).
        setting : {"treadmill", "overground"}, optional

        Raises
        ------
        ValueError
            For an unknown view or setting.
        """
        out, done = self, list(self.overridden)
        if view is not None:
            kind, _, facing = view.partition("-")
            if kind not in VIEWS[:4] or facing not in ("", "left", "right") or (
                    facing and kind in ("front", "back")):
                raise ValueError(f"unknown view {view!r}: use side[-left|-right], front, "
                                 "back or oblique[-left|-right]")
            lateral = kind in ("side", "oblique")
            facing_out = (facing or self.facing) if lateral else None
            near, near_conf = (self.near_side, self.near_side_confidence) if lateral else (
                None, 0.0)
            if lateral and near is None and facing_out is not None:
                near, near_conf = facing_out, 1.0
            out = dataclasses.replace(out, view=kind, facing=facing_out, view_confidence=1.0,
                                      near_side=near, near_side_confidence=near_conf)
            done.append("view")
        if setting is not None:
            if setting not in SETTINGS[:2]:
                raise ValueError(f"unknown setting {setting!r}: use treadmill or overground")
            out = dataclasses.replace(out, setting=setting, setting_confidence=1.0)
            done.append("setting")
        return dataclasses.replace(out, overridden=tuple(dict.fromkeys(done)))


def _score(value: float, scale: float) -> float:
    """Score a value against its typical magnitude.

    Signed score in [-1, 1] of ``value`` against its typical magnitude ``scale``;
    0 for NaN (no evidence).
    """
    return float(np.tanh(value / scale)) if np.isfinite(value) else 0.0


def _combine(scores: dict[str, float], weights: dict[str, float]) -> float:
    """Combine signed cue scores into one decision.

    Weighted mean of signed scores, in [-1, 1]; its sign is the decision, its magnitude
    the agreement (1 = every cue sure and agreeing). Rounds ``scores`` for the evidence.
    """
    total = sum(weights[k] * scores[k] for k in scores) / sum(weights.values())
    scores.update({k: round(v, 3) for k, v in scores.items()})
    return float(total)


def _median(x: np.ndarray) -> float:
    """NaN-ignoring median (NaN, without a warning, when nothing is finite)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return float(np.nanmedian(x)) if np.isfinite(x).any() else float("nan")


def body_height_px(xy_px: np.ndarray) -> float:
    """Measure the subject's height in the image, pixels.

    Median over frames of the vertical extent of the landmarks (subject's height in the
    image), pixels; NaN if no frame has two landmarks. ``xy_px``: (T, 33, 2) pixels.
    """
    with warnings.catch_warnings():  # all-NaN frames are expected
        warnings.simplefilter("ignore", RuntimeWarning)
        ext = np.nanmax(xy_px[..., 1], axis=1) - np.nanmin(xy_px[..., 1], axis=1)
    return float(np.median(ext[ext > 0])) if np.any(ext > 0) else float("nan")


def _r(value: float, digits: int = 3) -> float | None:
    """Round for the evidence; None for NaN (JSON has no NaN)."""
    return round(float(value), digits) if np.isfinite(value) else None


def _tilt_deg(up: np.ndarray) -> float:
    """Measure the trunk's angle from image-up.

    Angle of the median hip → shoulder vector (T, 2) from image-up, degrees in
    (−180, 180], positive clockwise; NaN if never seen. The median vector, not the
    median angle, as angles wrap at ±180°.
    """
    dx, dy = _median(up[:, 0]), _median(up[:, 1])
    if not (np.isfinite(dx) and np.isfinite(dy)) or dx == dy == 0:
        return float("nan")
    return float(np.degrees(np.arctan2(dx, -dy)))


def subject_tilt_deg(tracks: LandmarkTracks) -> float:
    """Measure how far the subject's trunk is turned from upright.

    How far the subject's trunk is turned from upright in the image, degrees
    (0 upright, ±90 lying, 180 upside down; NaN if the torso is never seen).
    """
    xy = tracks.image[:, :, :2].astype(np.float64) * np.array(
        [tracks.video.width, tracks.video.height])
    mid = lambda a, b: (xy[:, LM[a]] + xy[:, LM[b]]) / 2  # noqa: E731
    return _tilt_deg(mid("left_shoulder", "right_shoulder") - mid("left_hip", "right_hip"))


def _slope(t: np.ndarray, y: np.ndarray) -> float:
    """Least-squares slope of ``y`` over ``t`` (finite samples only; NaN with < 3)."""
    ok = np.isfinite(y)
    return float(np.polyfit(t[ok], y[ok], 1)[0]) if ok.sum() >= 3 else float("nan")


def understand_scene(tracks: LandmarkTracks) -> Scene:
    """Detect the view, the facing direction, treadmill vs overground and the near side.

    Parameters
    ----------
    tracks : LandmarkTracks
        Raw or cleaned tracks of one subject.

    Returns
    -------
    Scene
        ``view="unknown"``/``setting="unknown"`` with confidence 0 when the torso is never
        seen (never raises).

    Notes
    -----
    *View.* The yaw from a side view comes from the shoulder width over the torso length
    in the image (wide when frontal, :data:`FRONTAL_SHOULDER_RATIO` at 90°) and from the
    shoulder and hip axes of the world landmarks (the model's 3D estimate). Facing in side
    views: nose ahead of the ears, toes ahead of the heels, and the model's depth (in a
    view from the subject's left the left side is nearer: facing image-left). Front vs
    back: a visible face, the subject's left shoulder on image-right, the nose nearer than
    the ears.
    """
    # Only frames with the torso in the image: a pose model reports nothing beyond it.
    torso_xy = tracks.image[:, [LM[f"{s}_{p}"] for s in ("left", "right")
                                for p in ("shoulder", "hip")], :2]
    inside = np.all((torso_xy > -0.05) & (torso_xy < 1.05), axis=(1, 2))
    img = np.where(inside[:, None, None], tracks.image, np.nan)
    world = np.where(inside[:, None, None], tracks.world, np.nan)
    vis, px = img[:, :, 3], img[:, :, :2] * np.array([tracks.video.width, tracks.video.height])

    def pt(name: str) -> np.ndarray:
        return px[:, LM[name]]

    def lr(arr: np.ndarray, parts: tuple[str, ...]) -> np.ndarray:
        """(left − right) of ``arr`` (T, 33, ...) per frame, over ``parts`` (T, P, ...)."""
        return (arr[:, [LM[f"left_{p}"] for p in parts]]
                - arr[:, [LM[f"right_{p}"] for p in parts]])

    mid_sh = (pt("left_shoulder") + pt("right_shoulder")) / 2
    mid_hip = (pt("left_hip") + pt("right_hip")) / 2
    torso = np.linalg.norm(mid_sh - mid_hip, axis=-1)
    torso_len = _median(torso)
    if not np.isfinite(torso_len) or torso_len <= 0:
        return Scene("unknown", None, 0.0, "unknown", 0.0, None, 0.0,
                     {"reason": "the torso is never seen"})
    ev: dict[str, Any] = {"torso_px": _r(torso_len, 1)}
    tilt = _tilt_deg(mid_sh - mid_hip)
    ev["tilt_deg"] = _r(tilt, 1)
    if abs(tilt) > UPRIGHT_MAX_DEG:
        # A video filmed with the phone turned (rotation metadata lost or never written)
        # shows the runner lying or upside down: no view, facing or event rule applies.
        return Scene("unknown", None, 0.0, "unknown", 0.0, None, 0.0,
                     ev | {"reason": f"the subject is not upright in the image (turned by "
                           f"about {tilt:.0f}°)"})

    # Yaw from the side view, deg (0 = side, 90 = frontal).
    width = _median(np.abs(pt("left_shoulder")[:, 0] - pt("right_shoulder")[:, 0])) / torso_len
    yaw_img = float(np.degrees(np.arcsin(min(1.0, width / FRONTAL_SHOULDER_RATIO))))
    axis = lr(world[:, :, [0, 2]], ("shoulder", "hip")).sum(axis=1)  # (T, 2): x, z of L−R
    axis_x, axis_z = _median(axis[:, 0]), _median(axis[:, 1])
    yaw_world = float(np.degrees(np.arctan2(abs(axis_x), abs(axis_z))))
    yaw = float(np.mean([y for y in (yaw_img, yaw_world) if np.isfinite(y)]))
    ev["yaw"] = {"shoulder_width_ratio": _r(width), "image_deg": _r(yaw_img, 1),
                 "world_deg": _r(yaw_world, 1), "deg": _r(yaw, 1)}

    # Facing image-right (+) or image-left (−).
    ears = (pt("left_ear") + pt("right_ear")) / 2
    nose_dx = _median(pt("nose")[:, 0] - ears[:, 0]) / torso_len
    toe_dx = _median(np.concatenate([pt(f"{s}_foot_index")[:, 0] - pt(f"{s}_heel")[:, 0]
                                     for s in ("left", "right")])) / torso_len
    depth_lr = _median(lr(img[:, :, 2], ("shoulder", "hip")).ravel())  # < 0: left nearer
    facing = {"nose": _score(nose_dx, 0.05), "toes": _score(toe_dx, 0.1),
              "depth": _score(axis_z if np.isfinite(axis_z) else depth_lr, 0.05)}
    facing_score = _combine(facing, {"nose": 1.0, "toes": 1.0, "depth": 1.0})
    ev["facing"] = {"nose_minus_ears": _r(nose_dx), "toe_minus_heel": _r(toe_dx),
                    "world_left_minus_right_z": _r(axis_z),
                    "image_left_minus_right_z": _r(depth_lr), "scores": facing,
                    "combined": _r(facing_score)}

    # Towards the camera (+) or away (−).
    order = _median(lr(px[:, :, 0], ("shoulder", "hip")).mean(axis=1)) / torso_len
    face_vis = _median(vis[:, [LM[n] for n in _FACE]].mean(axis=1))
    nose_z = _median(img[:, LM["nose"], 2] - (img[:, LM["left_ear"], 2]
                                               + img[:, LM["right_ear"], 2]) / 2)
    toward = {"x_order": _score(order, 0.15), "face_visible": _score(face_vis - 0.65, 0.15),
              "nose_nearer": _score(-nose_z, 0.03),
              "world": _score(axis_x, 0.05) if np.isfinite(axis_x) else 0.0}
    toward_score = _combine(toward, {"x_order": 1.0, "face_visible": 2.0, "nose_nearer": 1.0,
                                     "world": 1.0})
    ev["toward"] = {"left_minus_right_x": _r(order), "face_visibility": _r(face_vis),
                    "nose_minus_ears_z": _r(nose_z), "scores": toward,
                    "combined": _r(toward_score)}

    # Class and confidence: distance of the yaw from the class boundaries (15° = sure),
    # times the agreement of the direction cues.
    if yaw < SIDE_MAX_DEG:
        view, sure = "side", (45.0 - yaw) / 15.0
    elif yaw > FRONT_MIN_DEG:
        view, sure = ("front" if toward_score >= 0 else "back"), (yaw - 45.0) / 15.0
    else:
        view, sure = "oblique", 1.0 - abs(yaw - 45.0) / 15.0
    direction = toward_score if view in ("front", "back") else facing_score
    view_conf = float(np.clip(sure, 0.0, 1.0) * min(1.0, 0.25 + abs(direction)))
    facing_out = None if view in ("front", "back") else ("right" if facing_score > 0 else "left")

    # Near side (side and oblique views): model depth, visibility, and the geometry of the
    # facing direction (camera on the left of a subject facing image-left).
    near, near_conf = None, 0.0
    if facing_out is not None:
        vis_lr = _median(lr(vis, _PAIRS).ravel())
        depth_all = _median(lr(img[:, :, 2], _PAIRS).ravel())
        near_cues = {"depth": _score(-depth_all, 0.03), "visibility": _score(vis_lr, 0.1),
                     "facing": -facing_score}
        near_score = _combine(near_cues, {"depth": 1.0, "visibility": 1.0, "facing": 1.0})
        near, near_conf = ("left" if near_score > 0 else "right"), min(1.0, abs(near_score))
        ev["near_side"] = {"left_minus_right_z": _r(depth_all),
                           "left_minus_right_visibility": _r(vis_lr), "scores": near_cues,
                           "combined": _r(near_score)}

    # Setting: the hip midpoint's travel across the image and the change of the torso's
    # image size (travel towards or away from the camera).
    t = tracks.time_s
    height = body_height_px(px)
    travel = abs(_slope(t, mid_hip[:, 0] / height)) if np.isfinite(height) else np.nan
    with np.errstate(divide="ignore", invalid="ignore"):
        scale_rate = abs(_slope(t, np.log(torso)))
    motion = max(np.nan_to_num(travel / TRAVEL_BH_PER_S), np.nan_to_num(
        scale_rate / SCALE_RATE_PER_S))
    seen = np.isfinite(mid_hip[:, 0])
    span_s = float(np.ptp(t[seen])) if seen.sum() >= 3 else 0.0
    if span_s < 0.5:
        setting, setting_conf = "unknown", 0.0
    else:
        setting = "overground" if motion > 1.0 else "treadmill"
        # log-distance from the boundary (a factor 3 either way is sure), less under 1 s seen.
        setting_conf = float(np.clip(abs(np.log(max(motion, 1e-3))) / np.log(3.0), 0.0, 1.0)
                             * min(1.0, span_s))
    ev["setting"] = {"hip_travel_bh_per_s": _r(travel), "torso_scale_rate_per_s": _r(
        scale_rate), "motion_ratio": _r(motion), "seen_s": _r(span_s, 2)}
    if view in ("side", "oblique"):
        # Travel relative to the scene and the belt under the stance foot: robust to
        # turns, a camera following the runner (when the video gave the scene's motion)
        # and someone standing or jumping in place (see tracks/setting.py).
        setting, setting_conf, ev["setting"] = decide_setting(px, t, height, tracks.source,
                                                                 vis)
    return Scene(view=view, facing=facing_out, view_confidence=round(view_conf, 3),
                 setting=setting, setting_confidence=round(setting_conf, 3), near_side=near,
                 near_side_confidence=round(near_conf, 3), evidence=ev)

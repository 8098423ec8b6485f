"""Visibility scores of the true landmarks from a simple self-occlusion test.

MediaPipe reports a visibility in 0..1 per landmark: high for what the camera sees,
lower for far-side limbs hidden behind the body. We mimic it geometrically:

* **Body landmarks.** The body is a set of capsules (segment + radius from
  :class:`~gaitcheck.synth.motion.BodyShape`): each side's torso wall (shoulder → hip),
  upper arm, forearm, thigh, shank and foot. A landmark is *occluded* when the line of
  sight from the camera centre to it (stopping ``SURFACE_M`` short of it, since
  landmarks sit inside their own limb) passes within a capsule's radius; capsules that
  contain the landmark (its own segments) are skipped. Occluded: 0.3 (sight line through
  the capsule axis) to 0.6 (grazing its surface). Visible: 0.99, or 0.93 when the
  landmark is the farther of its left/right pair (MediaPipe is a little less sure of
  the far side even when it is in view).
* **Face landmarks** sit on a head sphere: visibility falls from 0.99 to 0.35 as the
  outward normal turns away from the camera (``cos`` from −0.1 to −0.6), so in a side
  view the far ear and eye drop and the nose stays visible.

Presence is always 1 (the subject is in every frame).
"""

from __future__ import annotations

import numpy as np

from gaitcheck.landmarks import LANDMARK_NAMES, LM, MIRROR
from gaitcheck.synth.anthropometry import HEAD_CENTRE_M
from gaitcheck.synth.camera import Camera
from gaitcheck.synth.motion import BodyShape

#: Sight lines stop this far (m, at 1.75 m) short of the landmark.
SURFACE_M = 0.02
FACE = tuple(range(LM["mouth_right"] + 1))
_SEGMENTS = {"torso": ("shoulder", "hip"), "upper_arm": ("shoulder", "elbow"),
             "forearm": ("elbow", "wrist"), "thigh": ("hip", "knee"),
             "shank": ("knee", "ankle"), "foot": ("heel", "foot_index")}
#: The segments each landmark (without side prefix) belongs to.
_OWN = {"shoulder": ("torso", "upper_arm"), "elbow": ("upper_arm", "forearm"),
        "wrist": ("forearm",), "pinky": ("forearm",), "index": ("forearm",),
        "thumb": ("forearm",), "hip": ("torso", "thigh"), "knee": ("thigh", "shank"),
        "ankle": ("shank", "foot"), "heel": ("shank", "foot"),
        "foot_index": ("shank", "foot")}


def _capsules(points: np.ndarray, body: BodyShape
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[tuple[str, str]]]:
    """Capsule ends (T, C, 3) ×2, radii (C,) and (side, segment) labels."""
    k = body.height_m / 1.75
    default = {"torso": 0.105, "upper_arm": 0.046, "forearm": 0.037, "thigh": 0.078,
               "shank": 0.052, "foot": 0.042}
    labels = [(side, seg) for side in ("left", "right") for seg in _SEGMENTS]
    a = np.stack([points[:, LM[f"{s}_{_SEGMENTS[g][0]}"]] for s, g in labels], axis=1)
    b = np.stack([points[:, LM[f"{s}_{_SEGMENTS[g][1]}"]] for s, g in labels], axis=1)
    radii = np.array([body.radii_m.get(g, default[g] * k) for _, g in labels])
    return a, b, radii, labels


def _segment_distance(p0: np.ndarray, p1: np.ndarray, q0: np.ndarray,
                      q1: np.ndarray) -> np.ndarray:
    """Shortest distance between segments p0-p1 and q0-q1 (broadcast over leading axes),
    after Ericson (2005, *Real-Time Collision Detection*, §5.1.9)."""
    d1, d2, r = p1 - p0, q1 - q0, p0 - q0
    a, e = np.sum(d1 * d1, -1), np.sum(d2 * d2, -1)
    f, c, b = np.sum(d2 * r, -1), np.sum(d1 * r, -1), np.sum(d1 * d2, -1)
    denom = a * e - b * b
    with np.errstate(divide="ignore", invalid="ignore"):
        s = np.where(denom > 1e-12, np.clip((b * f - c * e) / denom, 0, 1), 0.0)
        t = (b * s + f) / e
        s = np.where(t < 0, np.clip(-c / a, 0, 1), np.where(t > 1, np.clip((b - c) / a, 0, 1), s))
    t = np.clip(t, 0, 1)
    return np.linalg.norm(p0 + d1 * s[..., None] - (q0 + d2 * t[..., None]), axis=-1)


def landmark_visibility(points: np.ndarray, camera: Camera, body: BodyShape) -> np.ndarray:
    """Visibility (T, 33) in 0..1 of world landmarks ``points`` (T, 33, 3) seen by
    ``camera``; see the module docstring for the model."""
    points = np.asarray(points, dtype=np.float64)
    n_t = points.shape[0]
    eye = np.broadcast_to(camera.centre_m, points.shape)
    sight = points - eye
    dist = np.linalg.norm(sight, axis=-1, keepdims=True)
    stop = points - sight / dist * SURFACE_M * body.height_m / 1.75
    a, b, radii, labels = _capsules(points, body)
    # (T, 33, C): distance of each sight line to each capsule axis.
    d = _segment_distance(eye[:, :, None], stop[:, :, None], a[:, None], b[:, None])
    own = np.zeros((len(LANDMARK_NAMES), len(labels)), bool)
    for i, name in enumerate(LANDMARK_NAMES):
        side, _, part = name.partition("_")
        for j, (s, g) in enumerate(labels):
            own[i, j] = s == side and g in _OWN.get(part, ())
    ratio = np.where(own[None], np.inf, d / radii)
    hidden = ratio.min(axis=-1)
    depth = camera.to_camera(points)[..., 2]
    farther = depth > depth[:, list(MIRROR)] + 1e-6
    vis = np.where(hidden < 1.0, 0.3 + 0.3 * np.clip(hidden, 0.0, 1.0),
                   np.where(farther, 0.93, 0.99))
    vis[:, list(FACE)] = _face_visibility(points, camera, body)
    return vis.reshape(n_t, -1)


def _face_visibility(points: np.ndarray, camera: Camera, body: BodyShape) -> np.ndarray:
    ear_mid = 0.5 * (points[:, LM["left_ear"]] + points[:, LM["right_ear"]])
    centre = ear_mid + np.asarray(HEAD_CENTRE_M) * body.height_m / 1.75
    face = points[:, list(FACE)]
    normal = face - centre[:, None]
    normal /= np.linalg.norm(normal, axis=-1, keepdims=True)
    view = camera.centre_m - face
    view /= np.linalg.norm(view, axis=-1, keepdims=True)
    return np.interp(np.sum(normal * view, -1), [-0.6, -0.1], [0.35, 0.99])

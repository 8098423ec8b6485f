"""Body-fixed 2D frames for analysis: sagittal (side views) and frontal (front/back).

Sagittal pairs are ``(forward, up)`` in pixels: forward along the ground line in the
direction the subject faces, up perpendicular to it. The ground line is the camera's
roll measured on the scene (plumb lines at the runner and level lines along the
ground, :mod:`gaitcheck.video.lines`), checked against where the feet are while on
the ground (:func:`ground_angle_deg`); :func:`estimate_ground` decides whether the
evidence is strong and consistent enough to rotate every angle, and otherwise keeps
the image's own axes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from gaitcheck.landmarks import LM
from gaitcheck.tracks.ground import scene_roll
from gaitcheck.tracks.tracks import LandmarkTracks


def image_sagittal(tracks: LandmarkTracks, facing: str) -> np.ndarray:
    """Landmarks (T, 33, 2) as ``(forward, up)`` pixels before ground-line correction.

    Parameters
    ----------
    facing : {"left", "right"}
        Direction the subject faces in the image.
    """
    xy = tracks.xy_px()
    sign = -1.0 if facing == "left" else 1.0
    return np.stack([sign * xy[..., 0], -xy[..., 1]], axis=-1)


def image_frontal(tracks: LandmarkTracks, view: str) -> np.ndarray:
    """Landmarks (T, 33, 2) as ``(lateral, up)`` pixels, lateral positive to the subject's right.

    A front view mirrors the subject (their right on image-left).
    """
    xy = tracks.xy_px()
    sign = -1.0 if view == "front" else 1.0
    return np.stack([sign * xy[..., 0], -xy[..., 1]], axis=-1)


def rotate(points: np.ndarray, angle_deg: float) -> np.ndarray:
    """Rotate 2D points so that a line inclined ``angle_deg`` becomes horizontal."""
    a = np.radians(angle_deg)
    c, s = np.cos(a), np.sin(a)
    f, u = points[..., 0], points[..., 1]
    return np.stack([c * f + s * u, -s * f + c * u], axis=-1)


def ground_angle_deg(sag: np.ndarray, stances: list[tuple[str, float, float]],
                     min_points: int = 8) -> tuple[float, float]:
    """Inclination of the ground line from the feet while they are on the ground.

    For every stance (side, IC frame, TO frame) the lower of heel and foot_index in the
    middle 60 % of the stance is a point on the ground (on a treadmill the belt carries
    it backwards along the ground line; overground the contacts spread along the path).
    A common slope is fitted with an intercept per foot, with outlier rejection (3 MAD).

    Returns
    -------
    angle_deg : float
        Inclination, positive when the ground rises forward; 0 when not estimable.
    confidence : float
        0..1, from the number of points and their fore-aft spread.
    """
    pts, groups = [], []
    for side, ic, to in stances:
        a, b = ic + 0.2 * (to - ic), to - 0.2 * (to - ic)
        for t in range(int(np.ceil(a)), int(np.floor(b)) + 1):
            if not 0 <= t < len(sag):
                continue
            feet = sag[t, [LM[f"{side}_heel"], LM[f"{side}_foot_index"]]]
            if np.all(np.isfinite(feet)):
                pts.append(feet[np.argmin(feet[:, 1])])
                groups.append(side)
    if len(pts) < min_points:
        return 0.0, 0.0
    p = np.asarray(pts)
    spread = np.ptp(p[:, 0])
    leg = np.nanmedian(np.linalg.norm(sag[:, LM["left_hip"]] - sag[:, LM["left_ankle"]], axis=-1))
    if not np.isfinite(leg) or spread < 0.3 * leg:
        return 0.0, 0.0
    # One slope, one intercept per foot: in perspective the near and far feet run along
    # parallel lines at different image heights.
    side_of = np.asarray(groups)
    centred = p.copy()
    for side in set(groups):
        centred[side_of == side] -= p[side_of == side].mean(axis=0)
    keep = np.ones(len(p), bool)
    for _ in range(2):
        x, y = centred[keep, 0], centred[keep, 1]
        slope = float(np.sum(x * y) / max(np.sum(x * x), 1e-9))
        res = centred[:, 1] - slope * centred[:, 0]
        mad = np.median(np.abs(res[keep] - np.median(res[keep]))) + 1e-9
        keep = np.abs(res - np.median(res[keep])) < 3 * 1.4826 * mad
    angle = float(np.degrees(np.arctan(slope)))
    confidence = float(min(1.0, len(pts) / 40) * min(1.0, spread / leg))
    return angle, confidence


#: Smallest confidence at which a feet-only line is applied (rotating every angle); a
#: scene-line roll is applied when it counts as evidence (see
#: :func:`gaitcheck.video.lines.scene_roll`).
APPLY_MIN_CONFIDENCE = 0.5
#: A confident feet-only line further than this from the scene's disagrees, degrees.
FEET_AGREEMENT_DEG = 4.0
#: Feet alone are weaker evidence than the scene: their confidence is scaled by this.
FEET_ONLY_FACTOR = 0.6
#: Rolls beyond this are not believed from the feet (a camera on its side is a
#: different view, not a roll), degrees.
MAX_ROLL_DEG = 12.0


@dataclass(frozen=True)
class GroundEstimate:
    """The ground line of a side view.

    Attributes
    ----------
    angle_deg : float
        Inclination applied to every sagittal angle, degrees, positive when the ground
        rises in the direction the runner faces; 0 when not applied.
    estimate_deg : float or None
        The best estimate, applied or not (same convention).
    image_roll_deg : float or None
        The same as the inclination of the scene's horizontal in the image, positive
        anticlockwise as displayed (a mirrored video gives the negated value).
    confidence : float
        0..1.
    source : str
        ``"plumb lines"``, ``"ground lines"``, ``"plumb and ground lines"``, ``"feet"``
        or ``"none"``.
    applied : bool
        Whether ``angle_deg`` is the estimate (confident) or 0.
    feet_deg, feet_confidence : float
        The feet-only line (:func:`ground_angle_deg`), a check of the scene estimate.
    note : str
        Why the estimate was or was not applied.
    """

    angle_deg: float
    estimate_deg: float | None
    image_roll_deg: float | None
    confidence: float
    source: str
    applied: bool
    feet_deg: float
    feet_confidence: float
    note: str

    def to_dict(self) -> dict[str, Any]:
        """Return the ``report.json`` fields (``analysis.frame``), rounded."""
        r = lambda v: None if v is None else round(float(v), 2)  # noqa: E731
        return {"ground_angle_deg": r(self.angle_deg),
                "ground_estimate_deg": r(self.estimate_deg),
                "camera_roll_image_deg": r(self.image_roll_deg),
                "ground_confidence": r(self.confidence), "ground_source": self.source,
                "ground_applied": self.applied, "ground_feet_deg": r(self.feet_deg),
                "ground_feet_confidence": r(self.feet_confidence),
                "ground_note": self.note}


def estimate_ground(sag: np.ndarray, stances: list[tuple[str, float, float]], facing: str,
                    scene_lines: dict[str, Any] | None = None) -> GroundEstimate:
    """Estimate the ground line from the scene's lines, checked by the stance feet.

    Parameters
    ----------
    sag : ndarray (T, 33, 2)
        Landmarks as ``(forward, up)`` pixels before correction (:func:`image_sagittal`).
    stances : list of (side, IC frame, TO frame)
        Stance phases, fractional frames.
    facing : {"left", "right"}
        Direction the runner faces in the image (maps the image roll to the sagittal
        inclination: a mirror flips both, so the inclination is unchanged).
    scene_lines : dict, optional
        :func:`gaitcheck.video.lines.estimate_roll` output; None re-analysing landmarks
        without the video, when only the feet are evidence.

    Notes
    -----
    The estimate is applied only when confident (:data:`APPLY_MIN_CONFIDENCE`): a
    wrong rotation shifts every sagittal angle, while no rotation leaves the camera's
    own roll in them, which a level camera makes small.
    """
    sign = 1.0 if facing == "right" else -1.0
    feet, feet_conf = ground_angle_deg(sag, stances)
    roll, conf, source = scene_roll(scene_lines)
    note = ""
    if roll is not None:
        est = sign * roll
        if feet_conf >= 0.5 and abs(feet - est) > FEET_AGREEMENT_DEG:
            # Reported, not a veto: on real video the stance feet scatter by several
            # degrees (a deck seen from above, far-foot noise), the scene lines do not.
            conf *= 0.75
            note = f"the stance feet suggest {feet:+.1f}° (a weaker check)"
        elif feet_conf >= 0.5:
            note = f"the stance feet agree ({feet:+.1f}°)"
    elif feet_conf > 0 and abs(feet) <= MAX_ROLL_DEG:
        est, conf = feet, feet_conf * FEET_ONLY_FACTOR
        note = source + "; from the stance feet alone"
        source = "feet"
    else:
        est, conf = None, 0.0
        note = source + "; the stance feet give no usable line either"
        source = "none"
    applied = est is not None and (conf >= APPLY_MIN_CONFIDENCE or (source != "feet"
                                   and roll is not None))
    if not applied:
        note += ("; " if note else "") + "not applied: angles are from the image axes"
    return GroundEstimate(est if applied and est is not None else 0.0, est,
                          None if est is None else sign * est, float(conf), source,
                          applied, feet, feet_conf, note.lstrip("; "))


def levelled(tracks: LandmarkTracks) -> LandmarkTracks:
    """Return ``tracks`` as a level camera would have seen them.

    Image coordinates are rotated about the image centre by the scene lines' roll when
    that counts as evidence (:func:`gaitcheck.tracks.ground.scene_roll`); otherwise
    ``tracks`` are returned unchanged. For the gait-event detector, which reads foot
    heights along the image vertical: on a rolled camera a foot carried backwards by the
    belt would seem to rise or sink during stance, shifting contacts and toe-offs by a
    frame or more.
    """
    roll, _, _ = scene_roll(tracks.source.get("scene_lines"))
    if roll is None or roll == 0.0:
        return tracks
    w, h = float(tracks.video.width), float(tracks.video.height)
    x = tracks.image[..., 0].astype(np.float64) * w - w / 2
    y_up = h / 2 - tracks.image[..., 1].astype(np.float64) * h
    a = np.radians(-roll)
    c, s = np.cos(a), np.sin(a)
    image = tracks.image.copy()
    image[..., 0] = (c * x - s * y_up + w / 2) / w
    image[..., 1] = (h / 2 - (s * x + c * y_up)) / h
    return LandmarkTracks(image, tracks.world, tracks.time_s, tracks.frame_index,
                          tracks.video, tracks.source)


def at_frame(arr: np.ndarray, frame: float) -> np.ndarray:
    """Linear interpolation of ``arr`` (T, ...) at a fractional frame index."""
    i = int(np.clip(np.floor(frame), 0, len(arr) - 1))
    j = min(i + 1, len(arr) - 1)
    f = frame - i
    return (1 - f) * arr[i] + f * arr[j]

"""Real-footage situations for the setting and activity decisions: a walk across the room
and back (a turn), and a camera that follows the subject (panning or handheld).

* :func:`there_and_back` turns an overground motion round half-way: the subject walks
  (or runs) to a turning point, turns on the spot over ``turn_duration_s`` and comes
  back facing the other way. Net travel over the clip is then near zero although the
  subject never stands on a treadmill.
* :func:`follow_camera` films a motion with a camera that follows the subject along
  the line of travel (a phone panning with a runner, optionally shaken by hand). The
  subject then stays near the image centre like a treadmill runner; only the scene
  moves. The scene's image motion (what an optical-flow estimate of the background
  measures) is recorded with the tracks under ``source["scene_motion"]``, in the same
  form as :mod:`gaitcheck.video.scene_motion` writes it for real video.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import numpy as np

from gaitcheck.landmarks import LM
from gaitcheck.synth.artefacts import Artefacts
from gaitcheck.synth.camera import Camera
from gaitcheck.synth.motion import Motion
from gaitcheck.synth.to_tracks import motion_to_tracks
from gaitcheck.tracks.tracks import LandmarkTracks

PATHS = ("straight", "there-and-back")
CAMERA_MOTIONS = ("static", "follow")


def _hip_mid(points: np.ndarray) -> np.ndarray:
    return 0.5 * (points[:, LM["left_hip"]] + points[:, LM["right_hip"]])


def there_and_back(motion: Motion, turn_s: float | None = None,
                   turn_duration_s: float = 1.0) -> Motion:
    """The same gait, turned round on the spot at ``turn_s`` and coming back.

    Parameters
    ----------
    motion : Motion
        Overground motion along world +x.
    turn_s : float, optional
        Middle of the turn, s (default: the middle of the clip).
    turn_duration_s : float
        Time the subject takes to turn through 180°, s; the body turns about the
        vertical through the hip midpoint (a smooth cosine ramp), and the forward
        progression slows to zero and reverses over the same time.

    Returns
    -------
    Motion
        Points rotated and moved (``params`` unchanged: they generate the straight
        motion). The contacts keep their times (the feet slide during the turn itself,
        where no event is expected).
    """
    t = np.asarray(motion.time_s, dtype=np.float64)
    t0 = float(np.median(t)) if turn_s is None else float(turn_s)
    pts = np.asarray(motion.points, dtype=np.float64)
    hip = _hip_mid(pts)
    speed = float(np.polyfit(t, hip[:, 0], 1)[0])
    half = turn_duration_s / 2.0
    # Heading 0 → π over the turn (cosine ramp).
    ramp = np.clip((t - (t0 - half)) / max(turn_duration_s, 1e-9), 0.0, 1.0)
    heading = np.pi * (1.0 - np.cos(np.pi * ramp)) / 2.0
    # Progression: the speed reverses smoothly, x(t) = ∫ v cos(heading).
    dt = np.diff(t, prepend=t[0])
    x = hip[0, 0] + np.cumsum(speed * np.cos(heading) * dt)
    rel = pts.copy()
    rel[..., 0] -= hip[:, None, 0]  # about the vertical through the hip midpoint (z kept)
    c, s = np.cos(heading)[:, None], np.sin(heading)[:, None]
    out = rel.copy()
    out[..., 0] = c * rel[..., 0] + s * rel[..., 2] + x[:, None]
    out[..., 2] = -s * rel[..., 0] + c * rel[..., 2]
    return dataclasses.replace(motion, points=out)


def follow_camera(motion: Motion, camera: Camera, artefacts: Artefacts | None = None,
                  seed: int = 0, shake_px: float = 0.0, lag_s: float = 0.5,
                  name: str | None = None) -> LandmarkTracks:
    """Landmark tracks of ``motion`` filmed by a camera that follows the subject.

    The camera moves parallel to the line of travel (world x), keeping the hip midpoint
    near the image centre as a person panning a phone does: it tracks the hip's position
    smoothed over ``lag_s`` (so the per-step surge is not followed), plus a hand shake.

    Parameters
    ----------
    motion : Motion
        True motion (overground; a treadmill motion gives a nearly still camera).
    camera : Camera
        The camera at the start of the clip (its position is moved along world x).
    artefacts : Artefacts, optional
        Pose artefacts (see :func:`gaitcheck.synth.to_tracks.motion_to_tracks`).
    seed : int
        Seed of the artefacts and the shake.
    shake_px : float
        Standard deviation of a hand shake, image pixels (a smooth random walk,
        horizontal and vertical); 0 for a tripod-mounted pan.
    lag_s : float
        Length of the moving average the camera follows the hip with, s.
    name : str, optional
        Clip name (see :func:`motion_to_tracks`).

    Returns
    -------
    LandmarkTracks
        ``source["scene_motion"]``: ``{"x_px", "y_px"}`` lists of the cumulative image
        shift of the scene at the subject's distance since the first frame (pixels, x
        right, y down), ``"method": "synthetic"``; ``source["camera_motion"]`` the
        settings.
    """
    pts = np.asarray(motion.points, dtype=np.float64)
    shift_m = _follow_shift_m(motion, lag_s)  # camera travel along world x, m
    depth = float(camera.to_camera(_hip_mid(pts)[:1])[0, 2])
    px_per_m = camera.focal_px / depth
    shake = _shake(len(shift_m), shake_px, seed)
    # Moving the camera by d along world x moves every world point by −d relative to
    # it; the shake moves the image by whole pixels (a small rotation of the phone).
    moved = pts.copy()
    moved[..., 0] -= shift_m[:, None]
    shifted = dataclasses.replace(motion, points=moved)
    tracks = motion_to_tracks(shifted, camera, artefacts, seed=seed, name=name)
    image = tracks.image.copy()
    image[..., 0] += (shake[:, 0] / camera.width)[:, None].astype(np.float32)
    image[..., 1] += (shake[:, 1] / camera.height)[:, None].astype(np.float32)
    # A static point moves in the image against the camera: by −d along the camera's
    # x axis (``rotation[0]`` in world coordinates).
    scene_x = -float(camera.rotation[0, 0]) * shift_m * px_per_m + shake[:, 0]
    scene: dict[str, Any] = {"x_px": [round(float(v), 2) for v in scene_x],
                             "y_px": [round(float(v), 2) for v in shake[:, 1]],
                             "method": "synthetic"}
    source = tracks.source | {"scene_motion": scene,
                              "camera_motion": {"kind": "follow", "shake_px": shake_px,
                                                "lag_s": lag_s}}
    return dataclasses.replace(tracks, image=image, source=source)


def _follow_shift_m(motion: Motion, lag_s: float) -> np.ndarray:
    """Camera travel along world x that follows the hip midpoint smoothed over
    ``lag_s`` (m per frame, 0 at the first frame)."""
    t = np.asarray(motion.time_s, dtype=np.float64)
    hip_x = _hip_mid(np.asarray(motion.points, dtype=np.float64))[:, 0]
    fps = 1.0 / float(np.median(np.diff(t))) if len(t) > 1 else 30.0
    k = max(1, round(lag_s * fps))
    padded = np.pad(hip_x, (k // 2, k - 1 - k // 2), mode="edge")
    follow = np.convolve(padded, np.ones(k) / k, mode="valid")
    return follow - follow[0]


def _shake(n: int, shake_px: float, seed: int) -> np.ndarray:
    """A smooth hand shake (n, 2) pixels with SD ``shake_px``, back at the start."""
    if shake_px <= 0 or n < 2:
        return np.zeros((n, 2))
    rng = np.random.default_rng(seed + 7919)
    walk = np.cumsum(rng.normal(0.0, 1.0, (n, 2)), axis=0)
    walk -= np.linspace(0, 1, n)[:, None] * walk[-1]
    return shake_px * walk / max(float(np.std(walk)), 1e-9)


def render_follow_frames(motion: Motion, camera: Camera, style: Any = None, seed: int = 0,
                         shake_px: float = 0.0, lag_s: float = 0.5) -> Iterator[np.ndarray]:
    """Rendered frames of a phone panning with the subject.

    The scene is rendered once through a wider camera (same centre, focal length and
    orientation) and each frame is the ``camera``-sized window that follows the
    subject's hip (smoothed over ``lag_s``) plus a hand shake: for a pinhole camera
    this is a pan (the principal point moves), and the scene slides across the frame
    while the subject stays near its centre.

    Parameters
    ----------
    motion : Motion
    camera : Camera
        Output size and the view at the first frame.
    style : SceneStyle, optional
    seed : int
        Seed of the sensor noise and the shake.
    shake_px : float
        Hand shake SD, pixels.
    lag_s : float
        Smoothing of the follow, s.
    """
    from gaitcheck.synth.render import render_frames

    shift_m = _follow_shift_m(motion, lag_s)
    depth = float(camera.to_camera(_hip_mid(np.asarray(motion.points))[:1])[0, 2])
    offset = float(camera.rotation[0, 0]) * shift_m * camera.focal_px / depth
    shake = _shake(len(shift_m), shake_px, seed)
    mx = int(np.ceil(np.max(np.abs(offset + shake[:, 0])))) + 2
    my = int(np.ceil(np.max(np.abs(shake[:, 1])))) + 2
    mx, my = mx + mx % 2, my + my % 2
    wide = dataclasses.replace(camera, width=camera.width + 2 * mx,
                               height=camera.height + 2 * my)
    for k, frame in enumerate(render_frames(motion, wide, style, seed)):
        x0 = int(np.rint(mx + offset[k] + shake[k, 0]))
        y0 = int(np.rint(my + shake[k, 1]))
        yield np.ascontiguousarray(frame[y0:y0 + camera.height, x0:x0 + camera.width])

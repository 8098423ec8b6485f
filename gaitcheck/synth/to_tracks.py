"""Synthetic motion seen by a camera → landmark tracks in the pose backend's format.

The output is exactly what :class:`~gaitcheck.pose.mediapipe_backend.MediaPipeBackend`
and :func:`~gaitcheck.pose.extract.extract_tracks` produce, so every analyzer can run on
it unchanged:

* ``image[..., 0:2]``: pixel position divided by the image width / height (y down);
* ``image[..., 2]``: MediaPipe-style relative depth: depth along the optical axis minus
  that of the hip midpoint, converted to the scale of ``x`` (pixels at the hip
  midpoint's depth / image width); negative = nearer the camera;
* ``image[..., 3]``: visibility from the occlusion model of
  :mod:`~gaitcheck.synth.occlusion`; ``image[..., 4]``: presence, 1;
* ``world``: metres from the hip midpoint along the camera's axes (x right, y down, z
  away from the camera), like MediaPipe's world landmarks.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from gaitcheck.landmarks import LM
from gaitcheck.synth.artefacts import Artefacts, apply_artefacts
from gaitcheck.synth.camera import Camera
from gaitcheck.synth.motion import Motion
from gaitcheck.synth.occlusion import landmark_visibility
from gaitcheck.tracks.tracks import LandmarkTracks
from gaitcheck.video.reader import VideoInfo


def motion_fps(motion: Motion) -> float:
    """Frame rate of a motion (frames/s), from its parameters or its time base."""
    fps = motion.params.get("fps")
    if fps:
        return float(fps)
    return float(1.0 / np.median(np.diff(motion.time_s))) if len(motion.time_s) > 1 else 30.0


def motion_to_tracks(motion: Motion, camera: Camera, artefacts: Artefacts | None = None,
                     seed: int = 0, name: str | None = None) -> LandmarkTracks:
    """Landmark tracks of ``motion`` filmed by ``camera``.

    Parameters
    ----------
    motion : Motion
        True 3D motion (world frame of :mod:`gaitcheck.synth.motion`).
    camera : Camera
        The camera; its ``width``/``height`` set the image size (its ``fps`` is not
        used: frames are the motion's samples).
    artefacts : Artefacts, optional
        Pose-estimation artefacts to add (see :mod:`gaitcheck.synth.artefacts`); none by
        default, which gives the exact projection of the truth.
    seed : int
        Seed of the artefacts' random draws.
    name : str, optional
        Clip name for ``video.path = "synthetic:<name>"``; default
        ``"<activity>-<view>"``.

    Returns
    -------
    LandmarkTracks
        ``source`` = ``{"backend": "synthetic", "toe_reach": 0.0, "params":
        motion.params, "artefacts": settings and what was applied (or None), "camera":
        view, size, focal, centre}``.
    """
    pts = np.asarray(motion.points, dtype=np.float64)
    n_t = len(motion.time_s)
    hip_mid = 0.5 * (pts[:, LM["left_hip"]] + pts[:, LM["right_hip"]])
    uvd = camera.project(pts)
    hip_depth = camera.to_camera(hip_mid)[:, 2]
    if np.any(uvd[..., 2] <= 0):
        raise ValueError("some landmarks are behind the camera")
    px_per_m = camera.focal_px / hip_depth  # at the hip midpoint's depth
    image = np.empty((n_t, pts.shape[1], 5))
    image[..., 0] = uvd[..., 0] / camera.width
    image[..., 1] = uvd[..., 1] / camera.height
    image[..., 2] = (uvd[..., 2] - hip_depth[:, None]) * px_per_m[:, None] / camera.width
    image[..., 3] = landmark_visibility(pts, camera, motion.body)
    image[..., 4] = 1.0
    world = (pts - hip_mid[:, None]) @ camera.rotation.T
    fps = motion_fps(motion)
    label = name or f"{motion.params.get('activity', 'gait')}-{camera.view}"
    video = VideoInfo(path=f"synthetic:{label}", fps=fps, frame_count=n_t,
                      duration_s=n_t / fps, width=int(camera.width), height=int(camera.height),
                      rotation=0, codec="synthetic")
    source: dict[str, Any] = {
        "backend": "synthetic",
        "toe_reach": 0.0,  # foot_index is the shoe tip (gaitcheck.landmarks.toe_reach_for)
        "params": motion.params,
        "artefacts": None,
        "camera": {"view": camera.view, "width": camera.width, "height": camera.height,
                   "focal_px": float(camera.focal_px),
                   "centre_m": [float(v) for v in camera.centre_m]},
    }
    tracks = LandmarkTracks(image=image.astype(np.float32), world=world.astype(np.float32),
                            time_s=np.asarray(motion.time_s, dtype=np.float64),
                            frame_index=np.arange(n_t, dtype=np.int64), video=video,
                            source=source)
    if artefacts is None:
        return tracks
    return apply_artefacts(tracks, artefacts, seed=seed, metres_per_px=1.0 / px_per_m)

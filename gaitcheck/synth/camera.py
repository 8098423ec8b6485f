"""Pinhole cameras placed around the synthetic subject.

Camera frame: ``x`` right, ``y`` down, ``z`` along the optical axis (OpenCV's
convention); pixels ``u`` right and ``v`` down with the principal point at the image
centre and square pixels. World frame as in :mod:`gaitcheck.synth.motion`: ``x``
forward, ``y`` up, ``z`` to the subject's right.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

VIEWS = ("side-left", "side-right", "front", "back", "oblique")
#: Field of view along the image's long side; typical of a phone's main camera.
LONG_SIDE_FOV_DEG = 65.0


@dataclass(frozen=True, eq=False)
class Camera:
    """An ideal pinhole camera.

    Attributes
    ----------
    width, height : int
        Image size, pixels.
    fps : float
        Frame rate, frames/s.
    focal_px : float
        Focal length in pixels (square pixels).
    rotation : numpy.ndarray, shape (3, 3)
        World → camera rotation; rows are the camera's x (right), y (down) and z
        (forward) axes expressed in world coordinates.
    centre_m : numpy.ndarray, shape (3,)
        Camera centre in world coordinates, metres.
    view : str
        Name of the view it was made for.
    """

    width: int
    height: int
    fps: float
    focal_px: float
    rotation: np.ndarray
    centre_m: np.ndarray
    view: str = "custom"

    @property
    def position_m(self) -> np.ndarray:
        """Camera centre in world coordinates, metres (alias of ``centre_m``)."""
        return self.centre_m

    def to_camera(self, points: np.ndarray) -> np.ndarray:
        """World points (..., 3) → camera-frame points (..., 3), metres."""
        return (np.asarray(points, dtype=np.float64) - self.centre_m) @ self.rotation.T

    def project(self, points: np.ndarray) -> np.ndarray:
        """Project world points.

        Parameters
        ----------
        points : numpy.ndarray, shape (..., 3)
            World coordinates, metres.

        Returns
        -------
        numpy.ndarray, shape (..., 3)
            ``u`` (pixels, right), ``v`` (pixels, down) and depth along the optical axis
            (metres, positive in front of the camera).
        """
        cam = self.to_camera(points)
        depth = cam[..., 2]
        with np.errstate(divide="ignore", invalid="ignore"):
            u = self.focal_px * cam[..., 0] / depth + self.width / 2.0
            v = self.focal_px * cam[..., 1] / depth + self.height / 2.0
        return np.stack([u, v, depth], axis=-1)


def _look(forward: np.ndarray, roll_deg: float) -> np.ndarray:
    """Rotation whose z axis is ``forward`` (horizontal), y axis down, rolled about z."""
    z = forward / np.linalg.norm(forward)
    y = np.array([0.0, -1.0, 0.0])
    y = y - z * (y @ z)
    y /= np.linalg.norm(y)
    x = np.cross(y, z)
    c, s = math.cos(math.radians(roll_deg)), math.sin(math.radians(roll_deg))
    # Rolling the camera clockwise by roll_deg turns the image content anticlockwise.
    x, y = c * x + s * y, -s * x + c * y
    return np.stack([x, y, z])


def camera_for_view(
    view: str,
    *,
    subject_height_m: float = 1.75,
    width: int = 720,
    height: int = 1280,
    fps: float = 30.0,
    distance_m: float | None = None,
    camera_height_m: float | None = None,
    oblique_deg: float = 45.0,
    centre_x_m: float | None = None,
    fill: float = 0.65,
    roll_deg: float = 0.0,
) -> Camera:
    """A level camera aimed at the subject from one of the standard views.

    Parameters
    ----------
    view : {"side-left", "side-right", "front", "back", "oblique"}
        ``side-left``: the subject faces image-left and the camera sees their left side
        (the near leg is the left leg); ``side-right``: faces image-right, right side
        near; ``front``: the subject runs towards the camera; ``back``: away from it;
        ``oblique``: between side-left (0°) and front (90°) by ``oblique_deg``.
    subject_height_m : float
        Standing height of the subject, metres; sets the default distance.
    width, height : int
        Image size, pixels.
    fps : float
        Frame rate, frames/s.
    distance_m : float, optional
        Horizontal distance from the camera to the line of travel (side) or to the
        subject (front/back), metres. Default: the subject fills ``fill`` of the image
        height.
    camera_height_m : float, optional
        Height of the lens above the ground, metres; default 0.55 × subject height.
    oblique_deg : float
        Angle for the oblique view, degrees from the side-left view towards the front.
    centre_x_m : float, optional
        Forward position (world x) the camera is centred on, metres. Default: 0 for
        front and back views; for side and oblique views 0.085 × subject height behind
        the hips, the middle of a running stride's fore-aft extent (the swing heel
        reaches further behind the hips than the foot lands ahead of them).
    fill : float
        Fraction of the image height the standing subject fills at ``distance_m``.
    roll_deg : float
        Camera roll (tilted tripod), degrees, positive clockwise as seen by the
        photographer; the ground line then appears tilted by the same angle.
    """
    if view not in VIEWS:
        raise ValueError(f"unknown view {view!r}; choose one of {', '.join(VIEWS)}")
    focal = max(width, height) / (2.0 * math.tan(math.radians(LONG_SIDE_FOV_DEG) / 2.0))
    if distance_m is None:
        distance_m = focal * subject_height_m / (fill * height)
    if camera_height_m is None:
        camera_height_m = 0.55 * subject_height_m
    if centre_x_m is None:
        centre_x_m = 0.0 if view in ("front", "back") else -0.085 * subject_height_m
    angle = {"side-left": 0.0, "front": 90.0, "back": -90.0, "side-right": 180.0,
             "oblique": oblique_deg}[view]
    # Unit vector from the subject towards the camera: -z (their left) at 0°, +x (in
    # front of them) at 90°.
    a = math.radians(angle)
    towards_camera = np.array([math.sin(a), 0.0, -math.cos(a)])
    target = np.array([centre_x_m, camera_height_m, 0.0])
    centre = target + distance_m * towards_camera
    return Camera(width=width, height=height, fps=fps, focal_px=focal,
                  rotation=_look(-towards_camera, roll_deg), centre_m=centre, view=view)

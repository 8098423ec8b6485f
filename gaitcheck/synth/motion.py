"""The synthetic subject's true motion: 3D landmark trajectories plus the events behind them.

This is the contract between the kinematic model (which produces it), the camera (which
projects it into landmark tracks) and the renderer (which draws it): the joints the
renderer draws are exactly these points, so they are the ground truth.

World frame (right-handed, metres, as the ISB recommends): ``x`` points in the direction
of travel (anterior), ``y`` points up with the ground (or treadmill belt) at ``y = 0``,
``z`` points to the subject's right. On a treadmill the pelvis stays near ``x = 0``;
overground it moves forward at the running speed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

Side = Literal["left", "right"]


@dataclass(frozen=True)
class Contact:
    """One foot contact (stance phase) as generated.

    Attributes
    ----------
    side : {"left", "right"}
        The subject's foot.
    ic_s : float
        Time of initial contact, seconds.
    to_s : float
        Time of the following toe-off, seconds.
    foot_angle_deg : float
        Foot angle at initial contact: the heel → foot_index line relative to the ground,
        positive when the toes are up (heel first), degrees.
    strike : {"rearfoot", "midfoot", "forefoot"}
        Class of ``foot_angle_deg`` by Altman & Davis (2012) cut-offs.
    """

    side: Side
    ic_s: float
    to_s: float
    foot_angle_deg: float
    strike: str


@dataclass(frozen=True)
class BodyShape:
    """Dimensions the renderer needs to draw volumes around the landmarks.

    Attributes
    ----------
    height_m : float
        Standing height, metres (top of head to sole).
    radii_m : dict
        Half-thickness of each segment by name (``"thigh"``, ``"shank"``,
        ``"upper_arm"``, ``"forearm"``, ``"torso"``, ``"head"``, ``"foot"``, ...).
    """

    height_m: float
    radii_m: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True, eq=False)
class Motion:
    """True 3D motion of a synthetic subject.

    Attributes
    ----------
    time_s : numpy.ndarray, shape (T,)
        Sample times, seconds, starting at 0, uniform at the clip's fps.
    points : numpy.ndarray, shape (T, 33, 3)
        World positions of the 33 BlazePose landmarks (see :mod:`gaitcheck.landmarks`),
        metres, in the world frame described in the module docstring.
    contacts : tuple of Contact
        Every stance phase that starts inside the clip, in time order.
    body : BodyShape
        Body dimensions for rendering.
    params : dict
        The generating parameters (JSON-ready), for the truth file.
    """

    time_s: np.ndarray
    points: np.ndarray
    contacts: tuple[Contact, ...]
    body: BodyShape
    params: dict[str, Any]

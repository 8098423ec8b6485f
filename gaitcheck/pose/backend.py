"""The small interface every pose estimator implements.

Analyzers never see a backend: they consume :class:`~gaitcheck.tracks.LandmarkTracks`.
A backend only turns one RGB frame into zero or more pose candidates, so tests can
substitute a scripted backend and a new model can be added without touching analysis.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import numpy as np


@dataclass(frozen=True, eq=False)
class PoseCandidate:
    """One person found in one frame.

    Attributes
    ----------
    image : numpy.ndarray, shape (33, 5), float32
        x, y normalised to the image (0..1, y down), z relative depth, visibility and
        presence in 0..1 (see :class:`~gaitcheck.tracks.LandmarkTracks`).
    world : numpy.ndarray, shape (33, 3), float32
        World landmarks in metres, origin at the hip midpoint.
    """

    image: np.ndarray
    world: np.ndarray


@runtime_checkable
class PoseBackend(Protocol):
    """A pose estimator run frame by frame on a video, in time order."""

    def detect(self, rgb: np.ndarray, timestamp_ms: int) -> list[PoseCandidate]:
        """Find the people in one frame.

        Parameters
        ----------
        rgb : numpy.ndarray, shape (H, W, 3), uint8
            Upright frame in RGB order.
        timestamp_ms : int
            Real time of the frame in milliseconds; strictly increasing across calls.
        """
        ...

    def describe(self) -> dict[str, Any]:
        """Provenance for reports: backend name, model name, sha256, options.

        A backend whose toe landmark falls short of the shoe tip also declares
        ``"toe_reach"``, the gap in heel → toe lengths (the event detector reads toe-off
        at the tip; :func:`gaitcheck.landmarks.toe_reach_for`).
        """
        ...

    def close(self) -> None:
        """Release the model."""
        ...

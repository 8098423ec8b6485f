"""The landmark track container shared by the pose backends, the synthesiser and analyzers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gaitcheck.landmarks import LM, N_LANDMARKS
from gaitcheck.video.info import VideoInfo

#: Channels of :attr:`LandmarkTracks.image`, in order.
CHANNELS: tuple[str, ...] = ("x", "y", "z", "visibility", "presence")


@dataclass(frozen=True, eq=False)
class LandmarkTracks:
    """One subject's landmarks over time.

    Parameters
    ----------
    image : numpy.ndarray, shape (T, 33, 5), float32
        Per frame and landmark: ``x`` and ``y`` normalised to the upright image width and
        height (0..1, origin top-left, y pointing down); ``z`` MediaPipe's relative depth
        (same scale as ``x``, origin at the hip midpoint, negative = nearer the camera);
        ``visibility`` and ``presence`` scores in 0..1. NaN in frames without a pose.
    world : numpy.ndarray, shape (T, 33, 3), float32
        MediaPipe world landmarks in metres, origin at the hip midpoint (x right,
        y down, z away from the camera, as the model defines them). NaN without a pose.
    time_s : numpy.ndarray, shape (T,), float64
        Real time of each frame in seconds from the start of the file (slow-motion
        corrected), strictly increasing.
    frame_index : numpy.ndarray, shape (T,), int64
        Index of each frame in the source video.
    video : VideoInfo
        The source video's metadata.
    source : dict
        Provenance: backend, model name and sha256, options, subject selection.
    """

    image: np.ndarray
    world: np.ndarray
    time_s: np.ndarray
    frame_index: np.ndarray
    video: VideoInfo
    source: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        """Check that the arrays agree in shape and the clock runs forward."""
        n = len(self.time_s)
        if self.image.shape != (n, N_LANDMARKS, len(CHANNELS)):
            raise ValueError(f"image must be ({n}, {N_LANDMARKS}, 5), got {self.image.shape}")
        if self.world.shape != (n, N_LANDMARKS, 3):
            raise ValueError(f"world must be ({n}, {N_LANDMARKS}, 3), got {self.world.shape}")
        if self.frame_index.shape != (n,):
            raise ValueError("frame_index must have one entry per frame")
        if n > 1 and not np.all(np.diff(self.time_s) > 0):
            raise ValueError("time_s must be strictly increasing")

    @property
    def n_frames(self) -> int:
        """Number of frames T."""
        return len(self.time_s)

    @property
    def detected(self) -> np.ndarray:
        """Boolean mask (T,): a pose was found for the subject in the frame."""
        return np.isfinite(self.image[:, :, 0]).any(axis=1)

    @property
    def fps(self) -> float:
        """Effective real-time frame rate from the median frame interval (frames/s)."""
        if self.n_frames < 2:
            return self.video.capture_fps
        return float(1.0 / np.median(np.diff(self.time_s)))

    def xy_px(self, name: str | None = None) -> np.ndarray:
        """Image coordinates in pixels, shape (T, 33, 2), or (T, 2) for one landmark.

        Parameters
        ----------
        name : str, optional
            Landmark name (see :data:`gaitcheck.landmarks.LANDMARK_NAMES`).
        """
        scale = np.array([self.video.width, self.video.height], dtype=np.float64)
        xy = self.image[:, :, :2].astype(np.float64) * scale
        return xy if name is None else xy[:, LM[name]]

    def visibility(self) -> np.ndarray:
        """Visibility scores, shape (T, 33), NaN where no pose."""
        return self.image[:, :, 3]

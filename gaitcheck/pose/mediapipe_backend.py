"""MediaPipe Pose Landmarker (Tasks API) in VIDEO mode as a :class:`PoseBackend`."""

from __future__ import annotations

from typing import Any

import numpy as np

from gaitcheck.errors import ModelError
from gaitcheck.landmarks import MEDIAPIPE_TOE_REACH
from gaitcheck.pose.backend import PoseCandidate
from gaitcheck.pose.models import ModelInfo, resolve_model


class MediaPipeBackend:
    """Run MediaPipe's PoseLandmarker frame by frame.

    Parameters
    ----------
    model : ModelInfo, optional
        Bundle to load; the bundled full model by default.
    max_people : int
        Most people the landmarker reports per frame (``num_poses``). More than one
        lets gaitcheck pick the runner when others are in view; each extra person costs
        one more landmark-network pass in frames where they are visible.
    min_detection_confidence, min_presence_confidence, min_tracking_confidence : float
        MediaPipe's thresholds in 0..1 (its defaults are 0.5).
    """

    name = "mediapipe-pose-landmarker"
    #: Shoe tip beyond foot_index, heel → foot_index lengths (see
    #: :data:`gaitcheck.landmarks.MEDIAPIPE_TOE_REACH`); the event detector reads toe-off there.
    toe_reach = MEDIAPIPE_TOE_REACH

    def __init__(
        self,
        model: ModelInfo | None = None,
        max_people: int = 1,
        min_detection_confidence: float = 0.5,
        min_presence_confidence: float = 0.5,
        min_tracking_confidence: float = 0.5,
    ) -> None:
        from gaitcheck.pose.lazy_matplotlib import import_mediapipe

        mp = import_mediapipe()  # without matplotlib: 1-1.5 s less, no HOME warning
        from mediapipe.tasks.python import BaseOptions
        from mediapipe.tasks.python.vision import (
            PoseLandmarker,
            PoseLandmarkerOptions,
            RunningMode,
        )

        self._mp = mp
        self.model = model or resolve_model(None)
        self.options = {
            "max_people": int(max_people),
            "min_detection_confidence": float(min_detection_confidence),
            "min_presence_confidence": float(min_presence_confidence),
            "min_tracking_confidence": float(min_tracking_confidence),
        }
        def options(base: Any) -> Any:
            return PoseLandmarkerOptions(
                base_options=base,
                running_mode=RunningMode.VIDEO,
                num_poses=int(max_people),
                min_pose_detection_confidence=min_detection_confidence,
                min_pose_presence_confidence=min_presence_confidence,
                min_tracking_confidence=min_tracking_confidence,
            )

        self._landmarker: Any = None
        try:
            # By path, MediaPipe maps the bundle: landmarkers of one process (a split pose
            # pass) share its pages instead of each holding a copy (~9 MB, measured 17 MB
            # less for two). A path it cannot open is given as bytes instead.
            try:
                self._landmarker = PoseLandmarker.create_from_options(
                    options(BaseOptions(model_asset_path=str(self.model.path))))
            except (RuntimeError, ValueError):
                self._landmarker = PoseLandmarker.create_from_options(
                    options(BaseOptions(model_asset_buffer=self.model.path.read_bytes())))
        except (RuntimeError, ValueError, OSError) as err:
            raise ModelError(f"MediaPipe cannot load {self.model.path.name}: {err}") from err
        self._last_ms = -1

    def detect(self, rgb: np.ndarray, timestamp_ms: int) -> list[PoseCandidate]:
        """Run the landmarker on one RGB frame; see :meth:`PoseBackend.detect`."""
        # MediaPipe rejects non-increasing timestamps; VFR rounding can produce ties.
        timestamp_ms = max(int(timestamp_ms), self._last_ms + 1)
        self._last_ms = timestamp_ms
        image = self._mp.Image(image_format=self._mp.ImageFormat.SRGB,
                               data=np.ascontiguousarray(rgb))
        if self._landmarker is None:
            raise RuntimeError("MediaPipeBackend used after close()")
        result = self._landmarker.detect_for_video(image, timestamp_ms)
        out = []
        for norm, world in zip(result.pose_landmarks, result.pose_world_landmarks, strict=False):
            img = np.array([[p.x, p.y, p.z, _score(p.visibility), _score(p.presence)]
                            for p in norm], dtype=np.float32)
            wld = np.array([[p.x, p.y, p.z] for p in world], dtype=np.float32)
            out.append(PoseCandidate(image=img, world=wld))
        return out

    def describe(self) -> dict[str, Any]:
        """Backend, model and options, for the report's provenance block."""
        return {
            "backend": self.name,
            "toe_reach": self.toe_reach,
            "mediapipe_version": getattr(self._mp, "__version__", "unknown"),
            "model": {"name": self.model.name, "file": self.model.path.name,
                      "sha256": self.model.sha256, "origin": self.model.origin},
            "options": dict(self.options),
        }

    def close(self) -> None:
        """Release the landmarker now (idempotent).

        Always call it (or use the backend as a context manager): MediaPipe's own
        ``PoseLandmarker.__del__`` closes a forgotten landmarker only when it is garbage
        collected, which for a landmarker still referenced by a traceback is during
        interpreter shutdown, when the modules its close calls are already torn down;
        the close then fails with "'NoneType' object is not callable" and leaves its
        dispatcher thread behind (the hang of issue 13).
        """
        landmarker, self._landmarker = self._landmarker, None
        if landmarker is not None:
            landmarker.close()

    def __enter__(self) -> MediaPipeBackend:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _score(value: float | None) -> float:
    return float("nan") if value is None else float(value)


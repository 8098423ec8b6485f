"""Pose estimation: the backend interface, the bundled MediaPipe model, subject selection."""

from gaitcheck.pose.backend import PoseBackend, PoseCandidate

__all__ = ["PoseBackend", "PoseCandidate"]

"""The scene's image motion: how far the camera panned or shook, from the background.

A phone panning with a runner keeps the runner still in the image and moves the scene;
a hand-held phone shakes both. Treadmill vs overground must be judged relative to the
scene (:mod:`gaitcheck.tracks.setting`), so during the pose pass every analysed frame is
reduced to a small grey image, the people found in it are masked out, and background
corners are followed from the previous frame by pyramidal Lucas-Kanade optical flow
(OpenCV). The median displacement of the corners is the scene's shift between the two
frames; the running sum is stored with the tracks as ``source["scene_motion"]``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import cv2
import numpy as np

from gaitcheck.pose.backend import PoseCandidate
from gaitcheck.video.reader import Frame

#: Width of the grey image the flow is computed on, pixels: a pan moves the background
#: by pixels per frame even at this size, and it keeps the cost to a few milliseconds.
WORK_WIDTH = 192
#: Shortest time between measured frames, s: the scene's motion is smooth at this
#: rate (a pan, a hand's sway), and measuring every frame of a 60-240 fps clip would
#: cost as much as the pose.
MIN_INTERVAL_S = 1.0 / 15.0
#: Margin added around each person's landmark box, fraction of its size (limbs and
#: clothing reach beyond the landmarks).
PERSON_MARGIN = 0.25
#: Fewest tracked background corners for a frame's shift to be measured.
MIN_CORNERS = 12
_LK = {"winSize": (11, 11), "maxLevel": 2,
       "criteria": (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 20, 0.03)}


def work_grey(rgb: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """The small grey image the flow is computed on.

    Parameters
    ----------
    rgb : numpy.ndarray, shape (H, W, 3), uint8
        The full frame.
    size : tuple of int
        (width, height) of the result, pixels.

    Returns
    -------
    numpy.ndarray, shape (height, width), uint8

    Notes
    -----
    The frame is shrunk first and converted to grey second: the conversion then runs on
    ~65 k pixels instead of the full frame (~0.9 M for 720x1280), measured 0.44 ms →
    0.24 ms per measured frame. Both steps are linear, so the result differs from grey
    first, shrink second only by uint8 rounding: at most 1 grey level, 0.07 on average
    on the shared treadmill clip. ``INTER_LINEAR`` is kept (``INTER_AREA`` would filter
    differently, up to 69 levels apart, and is slower at this ratio).
    """
    return cv2.cvtColor(cv2.resize(rgb, size, interpolation=cv2.INTER_LINEAR),
                        cv2.COLOR_RGB2GRAY)


class SceneMotionTracker:
    """Collects the scene's shift frame by frame (feed :meth:`add` as a pose hook)."""

    def __init__(self, work_width: int = WORK_WIDTH) -> None:
        self.work_width = work_width
        self._prev: tuple[np.ndarray, np.ndarray] | None = None
        self._scale = 1.0
        self._total = np.zeros(2)
        self.shift: dict[int, tuple[float, float]] = {}
        self.measured = 0
        self._last_s = -np.inf

    def _mask(self, shape: tuple[int, int], candidates: Sequence[PoseCandidate]) -> np.ndarray:
        h, w = shape
        mask = np.full((h, w), 255, np.uint8)
        for cand in candidates:
            xy = cand.image[:, :2].astype(np.float64)
            ok = np.all(np.isfinite(xy), axis=1)
            if not ok.any():
                continue
            (x0, y0), (x1, y1) = xy[ok].min(axis=0), xy[ok].max(axis=0)
            mx, my = PERSON_MARGIN * (x1 - x0), PERSON_MARGIN * (y1 - y0)
            box = np.array([x0 - mx, y0 - my, x1 + mx, y1 + my]) * (w, h, w, h)
            a, b, c, d = np.clip(box, 0, [w, h, w, h]).astype(int)
            mask[b:d, a:c] = 0
        return mask

    def add(self, frame: Frame, candidates: Sequence[PoseCandidate]) -> None:
        """Measure the scene's shift since the previous frame measured (pose hook)."""
        if frame.time_s - self._last_s < MIN_INTERVAL_S - 1e-6:
            return
        self._last_s = frame.time_s
        h, w = frame.rgb.shape[:2]
        self._scale = w / self.work_width
        small = work_grey(frame.rgb, (self.work_width, max(1, round(h / self._scale))))
        mask = self._mask(small.shape, candidates)
        if self._prev is not None:
            prev, prev_mask = self._prev
            step = self._flow(prev, prev_mask, small, mask)
            if step is not None:
                self._total = self._total + step * self._scale
                self.measured += 1
        self.shift[frame.index] = (float(self._total[0]), float(self._total[1]))
        self._prev = (small, mask)

    @staticmethod
    def _flow(prev: np.ndarray, prev_mask: np.ndarray, cur: np.ndarray,
              cur_mask: np.ndarray) -> np.ndarray | None:
        corners = cv2.goodFeaturesToTrack(prev, maxCorners=80, qualityLevel=0.01,
                                          minDistance=5, mask=prev_mask)
        if corners is None or len(corners) < MIN_CORNERS:
            return None
        moved, status, _ = cv2.calcOpticalFlowPyrLK(prev, cur, corners, None, **_LK)
        if moved is None:
            return None
        ok = status.ravel() == 1
        p0, p1 = corners.reshape(-1, 2)[ok], moved.reshape(-1, 2)[ok]
        inside = (p1[:, 0] >= 0) & (p1[:, 0] < cur.shape[1]) & (p1[:, 1] >= 0) & (
            p1[:, 1] < cur.shape[0])
        p0, p1 = p0[inside], p1[inside]
        keep = cur_mask[p1[:, 1].astype(int), p1[:, 0].astype(int)] > 0
        if keep.sum() < MIN_CORNERS:
            return None
        return np.median(p1[keep] - p0[keep], axis=0)

    def as_source(self, frame_index: np.ndarray) -> dict[str, Any]:
        """``source["scene_motion"]`` for tracks with these source frame indices:
        cumulative shift (pixels of the full frame, x right, y down) per row, None
        where the frame was not measured (no person in it, or between measured
        frames)."""
        xs = [self.shift.get(int(i), (None, None))[0] for i in frame_index]
        ys = [self.shift.get(int(i), (None, None))[1] for i in frame_index]
        return {"x_px": [None if v is None else round(v, 2) for v in xs],
                "y_px": [None if v is None else round(v, 2) for v in ys],
                "method": "background optical flow (Lucas-Kanade), people masked",
                "frames_measured": self.measured}

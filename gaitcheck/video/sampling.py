"""A few grey frames of a video for the scene-line roll estimate
(:mod:`gaitcheck.video.lines`): kept during the pose pass, or read by seeking."""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from gaitcheck.video._cv import cv2

#: Frames kept, and the long side they are scaled to, px.
N_FRAMES, LONG_SIDE_PX = 8, 720


@dataclass
class FrameSampler:
    """Keeps about ``n`` evenly spaced grey frames during the pose pass.

    Use :meth:`add` as (or inside) the pose hook; it costs a resize and a colour
    conversion on ``n`` frames of the whole pass, and the line detection runs on a
    helper thread (OpenCV releases the GIL; MediaPipe leaves a core idle), so the pose
    pass does not wait for it. ``expected`` is the number of frames the pass will see
    (None if unknown: every 30th frame is kept, then thinned). With ``by_index`` frames
    are picked by their index in the file rather than by the count of frames seen (each
    segment of a split pose pass then picks what one pass from frame 0 picks).
    """

    expected: int | None = None
    n: int = N_FRAMES
    by_index: bool = False
    frames: list[tuple[int, np.ndarray, float]] = field(default_factory=list)
    _seen: int = 0
    _found: dict[int, Future] = field(default_factory=dict)
    _pool: ThreadPoolExecutor | None = None

    def add(self, frame: Any, found: Any = None) -> None:
        """Pose hook: ``frame`` has ``index`` and ``rgb``; ``found`` is ignored."""
        k = int(frame.index) if self.by_index else self._seen
        self._seen += 1
        every = max(1, self.expected // self.n) if self.expected else 30
        if k % every != every // 2:
            return
        grey, scale = to_grey(frame.rgb)
        self.frames.append((int(frame.index), grey, scale))
        if self._pool is None:
            self._pool = ThreadPoolExecutor(1, thread_name_prefix="gaitcheck-lines")
        self._found[int(frame.index)] = self._pool.submit(segments, grey)
        if len(self.frames) > 2 * self.n:
            self.frames = self.frames[::2]

    def segments(self) -> dict[int, np.ndarray]:
        """LSD segments of every kept frame, by frame index (waits for the helper)."""
        kept = {i for i, _, _ in self.frames}
        out = {i: f.result() for i, f in self._found.items() if i in kept}
        self.close()
        return out

    def close(self) -> None:
        """Stop the helper thread (line detections not yet done are dropped)."""
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None


def to_grey(rgb: np.ndarray) -> tuple[np.ndarray, float]:
    """Grey frame with its long side at most :data:`LONG_SIDE_PX`, and the scale used."""
    h, w = rgb.shape[:2]
    scale = min(1.0, LONG_SIDE_PX / max(h, w))
    if scale < 1.0:
        rgb = cv2.resize(rgb, (round(w * scale), round(h * scale)),
                         interpolation=cv2.INTER_AREA)
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY), scale


def sample_frames(video: Path, frame_indices: list[int]) -> list[tuple[int, np.ndarray, float]]:
    """Grey frames of ``video`` at ``frame_indices`` (by seeking; missing ones skipped)."""
    cap = cv2.VideoCapture(str(video))
    out = []
    try:
        for i in frame_indices:
            cap.set(cv2.CAP_PROP_POS_FRAMES, int(i))
            ok, bgr = cap.read()
            if ok:
                grey, scale = to_grey(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
                out.append((int(i), grey, scale))
    finally:
        cap.release()
    return out


def segments(grey: np.ndarray) -> np.ndarray:
    """LSD line segments (N, 4) as x1, y1, x2, y2 in the grey frame's pixels."""
    lsd = cv2.createLineSegmentDetector(cv2.LSD_REFINE_STD)
    lines = lsd.detect(grey)[0]
    return np.zeros((0, 4)) if lines is None else lines.reshape(-1, 4).astype(np.float64)

"""The scene-motion hook: its small grey image and the camera shift it measures."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from gaitcheck.pose.backend import PoseCandidate
from gaitcheck.video.reader import Frame
from gaitcheck.video.scene_motion import SceneMotionTracker, work_grey


def _texture(h: int, w: int, seed: int = 0) -> np.ndarray:
    """A smooth random colour texture (corners to track), uint8 RGB."""
    rng = np.random.default_rng(seed)
    noise = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
    return cv2.GaussianBlur(noise, (0, 0), 3.0)


def test_shrinking_before_the_grey_conversion_moves_grey_levels_by_rounding_only() -> None:
    """Both steps are linear: shrink-then-grey equals grey-then-shrink up to uint8
    rounding (the order the tracker used before; 1 level at most)."""
    rgb = _texture(1280, 720)
    size = (192, 341)
    new = work_grey(rgb, size)
    old = cv2.resize(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY), size,
                     interpolation=cv2.INTER_LINEAR)
    assert new.shape == (341, 192) and new.dtype == np.uint8
    diff = np.abs(new.astype(int) - old.astype(int))
    assert diff.max() <= 1
    assert diff.mean() < 0.5


@pytest.mark.parametrize("dx, dy", [(6, 0), (-4, 3)])
def test_a_panning_camera_is_measured_in_full_frame_pixels(dx: int, dy: int) -> None:
    """A background that moves (dx, dy) px per frame of a 960x540 frame: the cumulative
    shift after 8 measured frames is 8 (dx, dy) within 0.3 px per frame, with the
    person's box masked out."""
    h, w, steps = 540, 960, 8
    world = _texture(h + 2 * 40, w + 2 * 60, seed=1)
    person = np.full((33, 5), np.nan, np.float32)
    person[:, 0] = np.linspace(0.45, 0.55, 33)  # a box in the middle of the frame
    person[:, 1] = np.linspace(0.3, 0.8, 33)
    cand = PoseCandidate(image=person, world=np.zeros((33, 3), np.float32))
    tracker = SceneMotionTracker()
    for k in range(steps + 1):
        # The camera moves by (-dx, -dy): the scene moves by (+dx, +dy) in the image.
        x0, y0 = 60 - k * dx, 40 - k * dy
        rgb = np.ascontiguousarray(world[y0:y0 + h, x0:x0 + w])
        tracker.add(Frame(index=k, time_s=k / 15.0, rgb=rgb), [cand])
    assert tracker.measured == steps
    x, y = tracker.shift[steps]
    assert x == pytest.approx(steps * dx, abs=0.3 * steps)
    assert y == pytest.approx(steps * dy, abs=0.3 * steps)

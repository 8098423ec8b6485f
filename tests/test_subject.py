"""Following the main subject among several people."""

from __future__ import annotations

import numpy as np

from gaitcheck.pose.subject import select_subject
from helpers import candidate

W, H = 1600, 900


def _times(n: int) -> np.ndarray:
    return np.arange(n) / 30.0


def test_runner_entering_late_beats_earlier_bystander() -> None:
    # A still bystander is alone for 1 s, then a larger runner crosses left to right;
    # the detector returns them in random order.
    rng = np.random.default_rng(3)
    frames = []
    for t in range(150):
        people = [candidate(0.15, 0.3, 0.25)]
        if t >= 30:
            people.append(candidate(0.1 + 0.006 * (t - 30), 0.6, 0.35, phase=t / 3))
        rng.shuffle(people)
        frames.append(people)
    sel = select_subject(frames, _times(150), W, H)
    assert all(c is None or c.image[0, 1] > 0.4 for c in sel.chosen[30:])
    assert sum(c is not None for c in sel.chosen[30:]) == 120
    assert sel.max_people == 2 and sel.frames_with_others == 120


def test_moving_runner_beats_larger_still_bystander() -> None:
    frames = [[candidate(0.2, 0.5, 0.5), candidate(0.7, 0.5, 0.4, phase=t / 3)]
              for t in range(90)]
    chosen = select_subject(frames, _times(90), W, H).chosen
    assert all(c.image[0, 0] > 0.5 for c in chosen)


def test_subject_rejoined_after_occlusion_but_not_swapped() -> None:
    frames: list[list] = []
    for t in range(120):
        runner = candidate(0.1 + 0.006 * t, 0.6, 0.4, phase=t / 3)
        other = candidate(0.9, 0.3, 0.15)
        # The runner is hidden behind a tree for 10 frames mid-clip.
        frames.append([other] if 50 <= t < 60 else [other, runner])
    sel = select_subject(frames, _times(120), W, H)
    assert all(sel.chosen[t] is None for t in range(50, 60))
    assert all(sel.chosen[t].image[0, 1] > 0.4 for t in range(120) if not 50 <= t < 60)


def test_nobody() -> None:
    sel = select_subject([[] for _ in range(5)], _times(5), W, H)
    assert sel.chosen == [None] * 5 and sel.max_people == 0

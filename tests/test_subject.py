"""Following the main subject among several people."""

from __future__ import annotations

import numpy as np
import pytest

from gaitcheck.pose.backend import PoseCandidate
from gaitcheck.pose.subject import fill_gaps, gait_frames, second_look, select_subject
from helpers import candidate, synthetic_tracks

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


# -- the default, one-person pass: when to look again with two ---------------------------
def _describe(frames: list[list], n: int | None = None) -> dict:
    return select_subject(frames, _times(n or len(frames)), W, H).describe()


def test_a_lone_stepping_runner_needs_no_second_look() -> None:
    frames = [[candidate(0.5, 0.5, 0.6, phase=t / 3)] for t in range(150)]
    desc = _describe(frames)
    assert desc["subject"]["stepping"] == 1.0 and desc["why"] == "the only person found"
    assert second_look(desc) is None


@pytest.mark.parametrize("view", ["front", "back", "side-right"])
def test_stepping_is_seen_from_the_front_and_back_too(view: str) -> None:
    """In a front or back view the ankles never pass each other sideways: they alternate
    in height, which counts as stepping (no second pass for a lone runner there)."""
    _, tracks = synthetic_tracks(view, duration_s=4.0)
    frames = [[PoseCandidate(tracks.image[t], tracks.world[t])] for t in range(tracks.n_frames)]
    desc = select_subject(frames, tracks.time_s, tracks.video.width,
                          tracks.video.height).describe()
    assert desc["subject"]["stepping"] >= 0.9
    assert second_look(desc) is None


def test_a_followed_bystander_who_never_steps_asks_for_a_second_look() -> None:
    # One person per frame: the model locked onto a bystander standing still.
    desc = _describe([[candidate(0.2, 0.35, 0.4)] for _ in range(150)])
    assert desc["subject"]["stepping"] == 0.0
    assert "not clearly walking or running" in second_look(desc)


def test_jumping_jacks_are_not_stepping() -> None:
    """Feet apart and together: the left ankle never crosses to the right one's side."""
    frames = []
    for t in range(150):
        c = candidate(0.3, 0.4, 0.4)
        spread = 0.08 * (1 + np.sin(t / 3))
        c.image[[27, 29, 31], 0] = 0.3 + spread
        c.image[[28, 30, 32], 0] = 0.3 - spread
        frames.append([c])
    desc = _describe(frames)
    assert desc["subject"]["stepping"] < 0.2 and second_look(desc) is not None


def test_a_pass_that_followed_someone_else_for_a_while_asks_for_a_second_look() -> None:
    # One person per frame: a bystander for 2 s, then the runner (in view since 1 s).
    frames = [[candidate(0.2, 0.35, 0.4)] if t < 60 else
              [candidate(0.1 + 0.006 * t, 0.6, 0.35, phase=t / 3)] for t in range(150)]
    desc = _describe(frames)
    assert desc["subject"]["frames"] == 90 and desc["subject"]["stepping"] == 1.0
    assert desc["frames_on_other_people"] == 60 and desc["seconds_on_other_people"] == 2.0
    assert desc["others"][0]["frames"] == 60 and desc["others"][0]["stepping"] == 0.0
    assert "followed someone else for 2.0 s" in second_look(desc)
    # Two people per frame already: a second pass would see nothing new.
    both = [[candidate(0.2, 0.35, 0.4), candidate(0.1 + 0.006 * t, 0.6, 0.35, phase=t / 3)]
            for t in range(150)]
    assert second_look(_describe(both)) is None
    assert gait_frames(_describe(both)) > gait_frames(desc)


def test_a_fresh_detection_overlapping_a_collapsed_copy_is_the_same_walker() -> None:
    """The walking clip at frames 184-185: the tracker folds the walker's legs up (the
    torso centre drops, the body shrinks) while the detector finds her again; the fresh
    tracklet starts one frame before the collapsed one ends and must be joined."""
    frames: list[list] = []
    for t in range(120):
        walker = candidate(0.9 - 0.006 * t, 0.6, 0.35, phase=t / 3)
        if t in (80, 81):  # collapsed copy, then the fresh detection beside it
            frames.append([candidate(0.9 - 0.006 * t - 0.02, 0.68, 0.3)]
                          + ([walker] if t == 81 else []))
        else:
            frames.append([walker])
    sel = select_subject(frames, _times(120), W, H)
    assert sum(c is not None for c in sel.chosen) == 120
    assert sel.chosen[81].image[23, 1] < 0.7  # the fresh, upright detection at the overlap


def test_short_gaps_are_filled_from_the_other_pass_only_with_the_same_person() -> None:
    """Tracking two, the model lost the walker for 5 frames that the one-person pass
    kept (CRF 35 walking clip); a longer gap, or another person there, stays a gap."""
    n = 120
    walker = np.stack([candidate(0.9 - 0.006 * t, 0.6, 0.35, phase=t / 3).image
                       for t in range(n)])
    image, other = walker.copy(), walker.copy()
    image[20:25] = np.nan          # 5 frames (0.17 s): filled
    image[60:80] = np.nan          # 20 frames (0.67 s): too long
    image[95:98] = np.nan          # the other pass followed a bystander there
    other[95:98] = candidate(0.2, 0.3, 0.3).image
    world, other_world = (np.zeros((n, 33, 3), np.float32) for _ in range(2))
    filled = fill_gaps(image, world, other, other_world, _times(n), W, H)
    assert filled == list(range(20, 25))
    assert np.array_equal(image[20:25], walker[20:25])
    assert np.isnan(image[60:80]).all() and np.isnan(image[95:98]).all()

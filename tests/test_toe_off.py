"""Toe-off timing (events.cues.lift_onset) and the one leg-swap repair reaching the events.

MediaPipe lets the toe creep up while the heel rises, a few hundredths of a leg length
before the real lift. Timing toe-off where the toe leaves a height band then depends on
the band (the pose jitter) and the ground estimate; the fitted onset does not.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from gaitcheck.events import detect_gait_events
from gaitcheck.events.cues import despiked, lift_index, lift_onset
from gaitcheck.landmarks import LM
from gaitcheck.synth.camera import camera_for_view
from gaitcheck.synth.kinematics import generate_motion
from gaitcheck.synth.params import GaitParams
from gaitcheck.synth.to_tracks import motion_to_tracks
from gaitcheck.tracks.clean import clean_tracks, leg_swap_states

PERIOD = 42.0  # samples: a 170 steps/min runner at 60 fps


def _toe(onset: float, ramp: float = 0.03, n: int = 60) -> np.ndarray:
    """Toe height, leg lengths: on the ground, a linear creep of ``ramp`` over the 8
    samples before ``onset``, then lifted from rest (a parabola), as on rendered clips."""
    i = np.arange(n, dtype=float)
    creep = ramp * np.clip((i - (onset - 8.0)) / 8.0, 0.0, None)
    return creep + 0.02 * np.maximum(i - onset, 0.0) ** 2


def test_onset_does_not_move_with_the_band_or_the_ground() -> None:
    """The band (2.5 × jitter) and the ground level change between a clip and its
    transformed copies; the band-crossing toe-off moves by 3.9 samples over these
    cases, the fitted onset by under 0.2 (measured 0.13)."""
    up = _toe(30.3)
    crossing, onset = [], []
    for band in (0.006, 0.01, 0.02):
        for ground in (0.0, 0.003, 0.006):
            crossing.append(lift_index(up, ground, band, 15.0, 45.0))
            onset.append(lift_onset(up, ground, band, 15.0, 45.0, PERIOD))
    assert np.ptp(crossing) > 3.0, crossing
    assert np.ptp(onset) < 0.2, onset
    assert np.mean(onset) == pytest.approx(30.3, abs=0.3)


@pytest.mark.parametrize("shift", [0.0, 0.25, 0.5, 0.75])
def test_onset_is_sub_frame(shift: float) -> None:
    """A lift a fraction of a sample later is found that much later (±0.1 sample),
    instead of jumping by whole frames."""
    base = lift_onset(_toe(30.0), 0.0, 0.004, 15.0, 45.0, PERIOD)
    moved = lift_onset(_toe(30.0 + shift), 0.0, 0.004, 15.0, 45.0, PERIOD)
    assert moved - base == pytest.approx(shift, abs=0.1)


def test_one_sample_glitch_does_not_time_the_lift() -> None:
    """A one-sample jump of the toe in mid-stance (pose glitch) is cleared by the running
    median; the monotonic lift itself is left unchanged."""
    up = _toe(30.0)
    glitched = up.copy()
    glitched[22] += 0.08
    assert lift_onset(glitched, 0.0, 0.004, 15.0, 45.0, PERIOD) == pytest.approx(
        lift_onset(up, 0.0, 0.004, 15.0, 45.0, PERIOD), abs=0.05)
    assert np.array_equal(despiked(up, 3)[28:40], up[28:40])


def test_walking_toe_keeps_the_band_crossing() -> None:
    """A toe that rises less than MIN_RISE (a walking toe peeling off) is timed as
    before: the onset of a slow rise is not defined."""
    i = np.arange(60, dtype=float)
    up = 0.002 * np.maximum(i - 30.0, 0.0) ** 2
    up = np.minimum(up, 0.06)
    assert lift_onset(up, 0.0, 0.004, 15.0, 45.0, PERIOD) == lift_index(
        up, 0.0, 0.004, 15.0, 45.0)


def _runner() -> tuple:
    gait = GaitParams(duration_s=6.0, fps=60.0)
    motion = generate_motion(gait)
    cam = camera_for_view("side-left", subject_height_m=gait.body_height_m, fps=gait.fps,
                          fill=0.6)
    return gait, motion, motion_to_tracks(motion, cam)


def test_lower_leg_swap_is_repaired_for_events_and_metrics_alike(monkeypatch) -> None:
    """MediaPipe's CRF 35 glitch: the lower legs (ankle, heel, toe) exchanged for 2
    frames at a landing while the knees stay right. The cleaning's thigh/foot repair
    finds exactly those frames (feet only), and the event detector relabels its legs
    with that same repair, so the contacts are those of the clip without the glitch
    (measured: identical to 0.01 frame)."""
    import gaitcheck.events.detect as detect

    gait, motion, tracks = _runner()
    contact = next(c for c in motion.contacts if c.side == "left" and c.ic_s > 1.5)
    f = round(contact.ic_s * gait.fps)
    feet = [LM[f"{s}_{p}"] for s in ("left", "right") for p in ("ankle", "heel",
                                                                 "foot_index")]
    other = [LM[f"{s}_{p}"] for s in ("right", "left") for p in ("ankle", "heel",
                                                                  "foot_index")]
    image = tracks.image.copy()
    image[f:f + 2, feet] = tracks.image[f:f + 2, other]
    glitched = dataclasses.replace(tracks, image=image)

    state = leg_swap_states(glitched)
    assert np.flatnonzero(state[:, 1]).tolist() == [f, f + 1]  # the feet only
    assert not state[:, 0].any()  # the thighs were right
    assert clean_tracks(glitched).report["swaps_repaired"] == [[f, f + 2]]

    used = []
    monkeypatch.setattr(detect, "leg_swap_states",
                        lambda t, c=None: used.append(leg_swap_states(t, c)) or used[-1])
    clean = detect_gait_events(tracks, "left")
    repaired = detect_gait_events(glitched, "left")
    assert np.array_equal(used[-1], state)
    warning = next(w for w in repaired.warnings if w.code == "legs_swapped")
    assert "in 2 frames" in warning.message
    assert len(repaired.contacts) == len(clean.contacts)
    for a, b in zip(clean.contacts, repaired.contacts, strict=True):
        assert (a.side, b.frame) == (b.side, pytest.approx(a.frame, abs=0.05))

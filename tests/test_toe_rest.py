"""The toe-off read from the shoe tip's last rest (gaitcheck.events.cues.rest_height).

On the rendered 60 fps runner rolled by +4° (benchmarks/roll_contacts.py) MediaPipe's far
foot_index slides ~10 px up the shoe's toe cap while the heel rises and the shoe pivots
on its tip: the tip's point rises ~3.5 ground bands in 3 frames, rests there 4 frames
and only then leaves with the foot. Read against the ground, the lift-off was the start
of that slide, 5.3 frames before the render's toe-off (contact time −4.15 frames against
the untransformed clip); read from the rest, +0.32 frames.
"""

from __future__ import annotations

import numpy as np

import gaitcheck.events.cues as cues

BAND = 0.0075  # leg lengths: the rolled render's far-foot band
MAX_REST = 0.05  # EventSettings.max_toe_rest


def _rise(t0: float, base: np.ndarray, accel: float = 0.6 * BAND) -> np.ndarray:
    """``base`` plus a rise from rest at ``t0``: height accel·(t − t0)² after it."""
    t = np.arange(len(base), dtype=np.float64)
    return base + accel * np.clip(t - t0, 0.0, None) ** 2


def test_elevated_rest_is_the_ground_the_toe_leaves() -> None:
    """The rolled render's far foot, modelled: flat, a 3-sample slide up to 3.5 bands, a
    4-sample rest, a rise from rest at 20.3. The rest is lowered to the band's top, so the
    reading is that of a tip resting at the band's edge: the crossing stepped back at
    most ``MAX_LIFT_BACKSTEP`` (19.5). Without the rest allowance: 11.7, the slide."""
    base = np.zeros(34)
    base[13:16] = [1.2, 2.3, 3.2]
    base[16:] = 3.5
    base *= BAND
    h = _rise(20.3, base)
    got = cues.lift_index(h, 0.0, BAND, 5, 30, max_rest=MAX_REST)
    assert 20.3 - cues.MAX_LIFT_BACKSTEP <= got <= 20.3 + 0.5, got
    assert cues.lift_index(h, 0.0, BAND, 5, 30) < 13  # without the rest allowance


def test_rise_from_the_ground_is_unchanged() -> None:
    """A rise from rest on the ground, sampled at every phase: its first slow samples
    (under a band per sample) are no rest, the reading is the old one."""
    for t0 in np.linspace(18.0, 19.0, 11):
        h = _rise(t0, np.zeros(34))
        assert cues.lift_index(h, 0.0, BAND, 5, 30, max_rest=MAX_REST) == \
            cues.lift_index(h, 0.0, BAND, 5, 30)


def test_hover_in_the_swing_is_no_rest() -> None:
    """The real treadmill clip's near foot at frame 325 (30 fps): up 5.8 bands in one
    frame, a pause 7–8 bands up (0.14 leg lengths, above a toe cap), then the swing. The
    pause is in the air, the lift-off stays where it was."""
    band = 0.0181
    h = np.array([0.5, 0.3, -0.8, -0.8, -0.0, 5.8, 7.2, 7.9, 15.9, 13.7, 12.7]) * band
    assert cues.lift_index(h, 0.0, band, 0, 9, max_rest=MAX_REST) == \
        cues.lift_index(h, 0.0, band, 0, 9)


def test_jitter_does_not_delay_the_toe_off() -> None:
    """White jitter of SD band / 2.5 on a rise from ground rest: the rest allowance moves
    the mean toe-off by under 0.05 sample (measured: no change in 400 draws; the
    synthetic benchmark with realistic artefacts, benchmarks/event_accuracy.py: +0.02)."""
    rng = np.random.default_rng(7)
    shift = []
    for _ in range(400):
        t0 = rng.uniform(18.0, 19.0)
        h = _rise(t0, rng.normal(0.0, BAND / 2.5, 34))
        a = cues.lift_index(h, 0.0, BAND, 5, 30, max_rest=MAX_REST)
        b = cues.lift_index(h, 0.0, BAND, 5, 30)
        if np.isfinite(a) and np.isfinite(b):
            shift.append(a - b)
    assert len(shift) > 350
    assert abs(np.mean(shift)) < 0.05, np.mean(shift)

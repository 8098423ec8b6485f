"""Each foot's toe reach read from its own push-off pivot (gaitcheck.events.pivot).

On the rendered 60 fps runner (``benchmarks/push_off_pivot.py``) MediaPipe's foot_index
nearly hugs the shoe tip in the untransformed clip (its push-off rise over the heel's, ρ,
0.07–0.09) but sits up the toe cap in the copies rolled ±4° (ρ 0.15–0.22): with one fixed
reach (0.15) the untransformed clip's tip point sank 2–5 px below the belt in push-off
and its toe-offs came +0.93 / +1.28 frames late, while the rolled copies' did not
(contact time −1.17 frames against the clip at roll −4°, −2.06 dimmed).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from gaitcheck.events import detect_gait_events
from gaitcheck.events.pivot import pivot_ratios, pivot_reach
from gaitcheck.events.settings import EventSettings
from gaitcheck.landmarks import LM, MEDIAPIPE_TOE_REACH
from helpers import synthetic_tracks


def _toe_shift(tracks, plain, same_contacts: bool = True) -> np.ndarray:
    """Toe-offs of ``tracks`` minus those of ``plain``, frames (all kept, same order)."""
    events = detect_gait_events(tracks, "left")
    if same_contacts:
        assert [e.time_s for e in events.contacts] == [e.time_s for e in plain.contacts]
    assert len(events.toe_offs) == len(plain.toe_offs) > 10
    return np.array([b.time_s - a.time_s for a, b in
                     zip(plain.toe_offs, events.toe_offs, strict=True)]) * tracks.fps


def test_tip_landmark_declared_with_a_reach_is_read_at_the_tip() -> None:
    """Exact tracks (foot_index is the tip) declared with MediaPipe's reach: the push-off
    shows foot_index not rising with the heel (ρ = 0), so the toe-offs are the exact
    tracks' own. With the fixed reach they came +0.46…+1.00 frame late (mean 0.85), the
    untransformed render's case."""
    _, tracks = synthetic_tracks()
    plain = detect_gait_events(tracks, "left")
    shift = _toe_shift(dataclasses.replace(
        tracks, source=tracks.source | {"toe_reach": MEDIAPIPE_TOE_REACH}), plain)
    print(np.round(shift, 2))
    assert np.all(np.abs(shift) < 1e-9)


@pytest.mark.parametrize("true_reach", [0.08, 0.25])
def test_landmark_behind_the_tip_is_extended_to_it(true_reach: float) -> None:
    """foot_index moved back along heel → tip so that the tip lies ``true_reach`` beyond
    it, declared with MediaPipe's 0.15: the reach read from the push-off finds the tip
    again. Measured on this 30 fps runner, toe-offs against the exact tracks': 0.08 →
    0.00 frame (the fixed reach: +0.23…+0.86, mean +0.43, late), 0.25 → +0.01…+0.04
    (fixed: −3.22…−2.93, early: the fixed reach's point rises with the heel)."""
    _, tracks = synthetic_tracks()
    plain = detect_gait_events(tracks, "left")
    image = tracks.image.copy()
    for side in ("left", "right"):
        heel, tip = image[:, LM[f"{side}_heel"], :2], image[:, LM[f"{side}_foot_index"], :2]
        image[:, LM[f"{side}_foot_index"], :2] = heel + (tip - heel) / (1.0 + true_reach)
    moved = dataclasses.replace(tracks, image=image,
                                source=tracks.source | {"toe_reach": MEDIAPIPE_TOE_REACH})
    shift = _toe_shift(moved, plain, same_contacts=False)  # a toe landing moves too
    print(true_reach, np.round(shift, 2), round(float(shift.mean()), 2))
    assert np.abs(shift).max() < 0.15


def test_noisy_evidence_keeps_about_the_backends_reach() -> None:
    """A foot with few, scattered push-off ratios (the real walking clip: 3–9 ratios
    spread 0.3–0.8) keeps about the prior; many consistent ones (the render: ~40, spread
    ~0.1) get their own; ``toe_pivot_sd`` 0 or fewer than 5 ratios keep the prior."""
    walking = [-0.26, -0.16, -0.11, 0.05, 0.21, 0.23, 0.3, 0.33, 1.01]
    sd = EventSettings().toe_pivot_sd
    assert pivot_reach(walking, 0.15, sd) == pytest.approx(0.17, abs=0.02)
    render = list(np.linspace(0.0, 0.12, 41))
    assert pivot_reach(render, 0.15, sd) == pytest.approx(0.07, abs=0.01)
    assert pivot_reach(render, 0.15, 0.0) == 0.15
    assert pivot_reach([0.0] * 4, 0.15, sd) == 0.15  # fewer than MIN_RATIOS
    assert pivot_reach([0.9] * 10, 0.15, sd) == pytest.approx(0.3 / 0.7)  # clipped ρ


def test_ratios_only_while_the_heel_is_up_and_the_toe_down() -> None:
    """Samples before heel-off, with a toe already off its cap, or a heel step within the
    band give no ratio."""
    band, cap = 0.01, 0.05
    heel = np.array([0.0, 0.0, 0.03, 0.06, 0.10, 0.15, 0.20, 0.25])
    toe = np.array([0.0, 0.0, 0.00, 0.006, 0.012, 0.02, 0.04, 0.09])
    r = pivot_ratios(heel, toe, band, cap, 0, 7)
    assert r == pytest.approx([0.2, 0.15, 0.16, 0.4])  # steps 3–6; at 7 the toe is up

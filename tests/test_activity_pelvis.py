"""The pelvis check on running vs walking: a walker whose toe-offs are found early.

The two stance cues (flight/double support, duty factor) both rest on toe-off. On the
shared walking clip at half size the walker's toe-offs were found early, both cues said
"running" and the slow cadence then read as a 2× slow-motion run. The pelvis path needs
no toe-off: lowest just after initial contact in walking, at mid-stance in running.
"""

from __future__ import annotations

import dataclasses
import itertools
import sys
from pathlib import Path

import numpy as np
import pytest

from gaitcheck.analysis import analyze_tracks
from gaitcheck.events import detect_gait_events
from gaitcheck.events.activity_evidence import PELVIS_BOUNDARY, activity_evidence, pelvis_phase
from gaitcheck.landmarks import LM
from gaitcheck.tracks.tracks import LandmarkTracks

sys.path.insert(0, str(Path(__file__).parent))
from test_context_synth import _tracks


def _hip_y(tracks: LandmarkTracks) -> np.ndarray:
    return tracks.xy_px()[:, [LM["left_hip"], LM["right_hip"]], 1].mean(axis=1)


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize(("activity", "low", "high"), [("walk", 0.0, 0.2), ("run", 0.3, 0.5)])
def test_lowest_hip_phase_of_synthetic_walkers_and_runners(activity: str, low: float,
                                                          high: float, seed: int) -> None:
    analysis = analyze_tracks(_tracks(activity, "treadmill", seed))
    assert analysis.activity == activity
    pelvis = analysis.activity_evidence["pelvis"]
    assert pelvis["activity"] == activity
    assert low < pelvis["lowest_hip_step_phase"] < high
    assert pelvis["agreement"] > 0.8 and pelvis["steps"] >= 8


def test_pelvis_phase_of_a_known_path() -> None:
    """Hip lowest (largest image y) 30 % into every step of a regular 20-frame step."""
    tracks = _tracks("run", "treadmill", 0)
    events = detect_gait_events(tracks, "left")
    frames = np.arange(tracks.n_frames, dtype=np.float64)
    ics = np.array(sorted(c.frame for c in events.contacts))
    y = np.full(tracks.n_frames, np.nan)
    for a, b in itertools.pairwise(ics):
        rows = (frames >= np.ceil(a)) & (frames <= np.floor(b))
        y[rows] = np.cos(2 * np.pi * ((frames[rows] - a) / (b - a) - 0.3))
    phase, agreement, steps = pelvis_phase(events, y)
    assert steps >= 10
    assert phase == pytest.approx(0.3, abs=0.04)
    assert agreement > 0.95


def test_a_walker_with_early_toe_offs_is_not_called_a_runner() -> None:
    tracks = _tracks("walk", "treadmill", 0)
    events = detect_gait_events(tracks, "left")
    assert events.activity == "walk"
    # Toe-offs found early, as on the small real walker: duty factor ~40 %, "flight".
    early = tuple(dataclasses.replace(t, time_s=t.time_s - 0.25, frame=t.frame - 0.25 * tracks.fps)
                  for t in events.toe_offs)
    misread = dataclasses.replace(events, toe_offs=early, activity="run",
                                  activity_confidence=1.0)
    without, _, ev_without = activity_evidence(misread)
    assert without == "run", ev_without  # the two stance cues alone are fooled
    activity, confidence, ev = activity_evidence(misread, _hip_y(tracks))
    assert activity is None and confidence == 0.0
    assert ev["agree"] is False and ev["pelvis"]["activity"] == "walk"
    assert ev["pelvis"]["lowest_hip_step_phase"] < PELVIS_BOUNDARY - 0.06
    assert "as in walking" in ev["reason"]

"""The toe landmark's reach: where the shoe tip lies beyond foot_index, declared by the
landmark source (:func:`gaitcheck.landmarks.toe_reach_for`) and used by the toe-off.

MediaPipe's foot_index sits 0.14–0.23 heel → foot_index lengths behind the shoe tip in
the shared treadmill clip's pixels (``benchmarks/toe_off_pivot.py``); the exact synthetic
tracks put foot_index at the tip.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from gaitcheck.events import detect_gait_events
from gaitcheck.events.settings import EventSettings
from gaitcheck.landmarks import MEDIAPIPE_TOE_REACH, toe_reach_for
from gaitcheck.tracks.io import load_tracks, save_tracks_npz
from helpers import synthetic_tracks


def test_mediapipe_source_declares_its_reach():
    """MediaPipe runs record 0.15 with their provenance; npz files saved before the
    field existed get it from their backend name; anything else reads foot_index."""
    from gaitcheck.pose.mediapipe_backend import MediaPipeBackend

    assert MEDIAPIPE_TOE_REACH == 0.15
    assert MediaPipeBackend.toe_reach == MEDIAPIPE_TOE_REACH
    assert toe_reach_for({"backend": MediaPipeBackend.name}) == 0.15  # an old npz
    assert toe_reach_for({"backend": MediaPipeBackend.name, "toe_reach": 0.15}) == 0.15
    assert toe_reach_for({"backend": "cached", "toe_reach": 0.15}) == 0.15
    assert toe_reach_for({}) == 0.0
    assert toe_reach_for({"backend": "scripted"}) == 0.0


def test_synthetic_source_has_no_reach_and_keeps_it_through_npz(tmp_path):
    _, tracks = synthetic_tracks()
    assert tracks.source["toe_reach"] == 0.0 and toe_reach_for(tracks.source) == 0.0
    back = load_tracks(save_tracks_npz(dataclasses.replace(
        tracks, source=tracks.source | {"toe_reach": 0.15}), tmp_path / "t.npz"))
    assert toe_reach_for(back.source) == 0.15


def test_reach_moves_only_the_toe_offs():
    """The same exact tracks declared with MediaPipe's reach, read at that fixed reach
    (``toe_pivot_sd`` 0): every contact is unchanged, and the toe-offs move later, since
    a point beyond the true tip stays "down" while the heel rises (measured on this 30
    fps runner: +0.46…+1.00 frame, mean 0.85, all 27 toe-offs kept). With the default
    settings each foot's reach is read from its push-off and these tracks' toe-offs do
    not move (``tests/test_toe_pivot.py``)."""
    _, tracks = synthetic_tracks()
    plain = detect_gait_events(tracks, "left")
    reach = detect_gait_events(dataclasses.replace(
        tracks, source=tracks.source | {"toe_reach": MEDIAPIPE_TOE_REACH}), "left",
        settings=EventSettings(toe_pivot_sd=0.0))
    assert [e.time_s for e in plain.contacts] == \
        [e.time_s for e in reach.contacts]
    assert len(plain.toe_offs) == len(reach.toe_offs) > 10
    shift = np.array([b.time_s - a.time_s for a, b in
                      zip(plain.toe_offs, reach.toe_offs, strict=True)]) * tracks.fps
    print(np.round(shift, 2))
    assert np.all(shift > 0.3) and 0.7 < shift.mean() < 1.0

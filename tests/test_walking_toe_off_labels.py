"""The shared walking clip's hand-labelled toe-offs and contacts (benchmarks/data) and
today's toe-offs against them.

The labels (``benchmarks/data/walking_side_distractors.toe_off.json``) were read by eye
from zoomed frame sheets, blind to every estimator: a toe-off is the first frame the
toe tip is seen above the grass, a contact the first frame the landing heel stands still
at its stance level; both are the first frame of the new state. The clip itself has no
truth file, so the label file carries its own contacts and facing.
"""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest

from gaitcheck.events import detect_gait_events
from helpers import REPO, shared_video, toe_off_label_match

LABELS = REPO / "benchmarks" / "data" / "walking_side_distractors.toe_off.json"


def test_walking_toe_off_labels_follow_their_own_contacts():
    """Eight stances, four per foot, each toe-off 23-27 frames after its own foot's
    labelled contact and before that foot's next one; the feet alternate, one toe-off
    stride is 36-37 frames (about 99 steps/min), near = left as the walker faces
    image-left (measured: contact 24.5 frames mean = 817 ms, duty factor ~0.67)."""
    marks = json.loads(LABELS.read_text())
    fps = marks["fps"]
    assert (marks["video"], fps, marks["frames"], marks["facing"]) == \
        ("walking_side_distractors.mp4", 30, 230, "left")
    labels, contacts = marks["toe_offs"], marks["contacts"]
    for m in labels + contacts:
        assert {"near": "left", "far": "right"}[m["side"]] == m["foot"]
        assert abs(m["time_s"] - m["frame"] / fps) < 1e-3 and 0 <= m["frame"] < 230
    ics = {(c["frame"], c["foot"]) for c in contacts}
    contact = []
    for m in labels:
        assert (m["ic_frame"], m["foot"]) in ics, m
        assert 23 <= m["frame"] - m["ic_frame"] <= 27, m
        later = [f for f, s in ics if s == m["foot"] and f > m["ic_frame"]]
        assert not later or m["frame"] < min(later), m
        contact.append(m["frame"] - m["ic_frame"])
    assert {(m["ic_frame"], m["foot"]) for m in labels} == ics  # every contact ends in the clip
    for foot in ("left", "right"):
        frames = sorted(m["frame"] for m in labels if m["foot"] == foot)
        assert len(frames) == 4 and set(np.diff(frames)) <= {36, 37}, (foot, frames)
    feet = [m["foot"] for m in sorted(labels, key=lambda m: m["frame"])]
    assert all(a != b for a, b in itertools.pairwise(feet))
    assert abs(np.mean(contact) - 24.5) < 0.01
    assert sum(m["uncertain"] for m in labels) == 5


@pytest.fixture(scope="module")
def walking_events(pose_run):
    from gaitcheck.pipeline import AnalyzeOptions

    # exactly tests/test_events.py's walking run, so the session pays no second pose pass
    out = pose_run(shared_video("walking_side_distractors.mp4"), AnalyzeOptions(max_people=2))
    return detect_gait_events(out.tracks, "left")


@pytest.mark.slow
@pytest.mark.shared
def test_real_walking_toe_offs_against_labels(walking_events):
    """Toe-offs against the labels, one-to-one per foot within 5 frames.

    Measured (the session's pose run, MediaPipe reach 0.15): 6 of 8 paired (the misses
    are the first stance of each foot, frames 67 and 87: the walker is tracked only from
    frame 59, after both their contacts), 2 within ±1 frame, bias −0.99 frames (near
    −0.47, far −1.50), SD 1.09 frame, with each foot's reach read from its push-off
    (:mod:`gaitcheck.events.pivot`; her 2–3 push-offs a foot are too scattered to move
    it far from 0.15: 0.17 / 0.15); at the fixed reach bias −1.04 (near −0.59, far
    −1.50), SD 1.08. Before the continuous toe-off crossing and the
    midpoint median of an even count of toe-off lags (``benchmarks/toe_off_mirror.py``):
    1 within ±1, bias −1.57 (near −0.39, far −2.74), SD 1.67; the far foot's bounds were
    −3.3…−2.0 and the overall −2.1…−1.0, and these bounds reject the old far foot. The far
    foot now follows the reach gradually (consistency cache: reach 0 / 0.05 / 0.10 / 0.15
    / 0.20 give −3.66 / −2.29 / −1.81 / −1.50 / −1.45, all 6 paired); before, reach 0 lost
    every far-foot pair (3 paired, 2 false) and 0.05 read −2.89. Reach 0 is rejected by
    these bounds (−2.56 overall). The sandalled walker's toe tip lies only ~0.05-0.09 heel →
    foot_index lengths beyond foot_index near push-off (left 0.07, right 0.12), so the
    far foot's early toe-off is not the reach's doing."""
    m, err = toe_off_label_match(LABELS, walking_events.toe_offs)
    print(m.n_true_positives, np.round(err, 2))
    assert m.n_true_positives >= 6 and m.n_false_positives == 0
    assert -1.6 <= err.mean() <= -0.5 and err.std(ddof=1) <= 1.5
    for foot, lo, hi in (("left", -1.2, 0.4), ("right", -2.0, -1.0)):
        own, own_err = toe_off_label_match(LABELS, walking_events.toe_offs, foot)
        bias = float(np.mean(own_err))
        print(foot, own.n_true_positives, round(bias, 2))
        assert own.n_true_positives >= 3 and lo <= bias <= hi, (foot, bias)

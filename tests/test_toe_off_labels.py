"""The real treadmill clip's hand-labelled toe-offs (benchmarks/data) and today's toe-offs
against them.

The labels (``benchmarks/data/treadmill_side_30fps.toe_off.json``) were read by eye from
zoomed frame sheets, blind to every estimator: a toe-off is the first frame the shoe's
tip is seen above the belt, so the instant lies in the frame before it. They need the
clip's contact labels (``../shared/videos``), so these tests skip without it.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from gaitcheck.events import detect_gait_events
from helpers import REPO, shared_video, toe_off_label_match

LABELS = REPO / "benchmarks" / "data" / "treadmill_side_30fps.toe_off.json"


def _truth() -> dict:
    video = shared_video("treadmill_side_30fps.mp4")
    return json.loads(video.with_suffix(".truth.json").read_text())


@pytest.mark.shared
def test_toe_off_labels_follow_their_own_contacts():
    """Every stance that ends inside the clip has one toe-off, 7-10 frames after its own
    foot's labelled contact and before that foot's next one (measured: 34 toe-offs, 17
    per foot, contact 7-10 frames, mean 8.6 frames = 288 ms, inside the clip's
    plausible band of 180-320 ms); near = left, as the runner faces image-left."""
    truth = _truth()
    marks = json.loads(LABELS.read_text())
    fps = marks["fps"]
    assert fps == truth["fps"] and marks["video"] == truth["video"]
    ics = {(c["frame"], c["foot"]) for c in truth["contacts"]["list"]}
    labels = marks["toe_offs"]
    assert all({"near": "left", "far": "right"}[m["side"]] == m["foot"] for m in labels)
    assert all(abs(m["time_s"] - m["frame"] / fps) < 1e-3 for m in labels)
    contact = []
    for m in labels:
        if m["ic_frame"] is None:  # its contact is before the clip starts
            assert m["frame"] < min(f for f, s in ics if s == m["side"])
            continue
        assert (m["ic_frame"], m["side"]) in ics
        assert 7 <= m["frame"] - m["ic_frame"] <= 10, m
        later = [f for f, s in ics if s == m["side"] and f > m["ic_frame"]]
        assert not later or m["frame"] < min(later), m
        contact.append(m["frame"] - m["ic_frame"])
    # each contact whose stance ends in the clip (within 10 frames of its end) has a toe-off
    ended = {(f, s) for f, s in ics if f + 10 < truth["frames"]}
    assert ended == {(m["ic_frame"], m["side"]) for m in labels if m["ic_frame"] is not None}
    lo, hi = truth["plausible_bands"]["ground_contact_ms"]
    assert lo <= 1000 * np.mean(contact) / fps <= hi
    assert len(labels) == 34 and abs(np.mean(contact) - 8.6) < 0.1


@pytest.fixture(scope="module")
def treadmill_events(pose_run):
    from gaitcheck.pipeline import AnalyzeOptions

    video = shared_video("treadmill_side_30fps.mp4")
    out = pose_run(video, AnalyzeOptions(max_people=1))  # the session's run
    return detect_gait_events(out.tracks, "left")


@pytest.mark.slow
@pytest.mark.shared
def test_real_treadmill_toe_offs_against_labels(treadmill_events):
    """Toe-offs against the labels, one-to-one per foot within 5 frames.

    Measured (the session's pose run; the same on the consistency cache's landmarks):
    33 of 34 paired (the miss: frame 4, whose stance starts before the clip), 18 within
    ±1 frame of the label, bias −0.96 frames (near −0.88, far −1.03), SD 0.58 frame, with
    each foot's reach read from its push-off (:mod:`gaitcheck.events.pivot`: near 0.150,
    far 0.258). At the fixed reach 0.15: 14 within ±1, bias −1.03 (near −0.91, far
    −1.14), SD 0.59 (with the continuous toe-off crossing; before it −1.04, near −0.96,
    far −1.12); an exact estimator scores about −0.5 under the labels' convention. Before the toe
    landmark's reach (:data:`gaitcheck.landmarks.MEDIAPIPE_TOE_REACH`) and each foot's own
    toe-off lag: 4 within ±1, bias −1.90 (near −1.49, far −2.29), SD 0.69, which these
    bounds reject."""
    m, err = toe_off_label_match(LABELS, treadmill_events.toe_offs)
    print(m.n_true_positives, np.round(err, 2))
    assert m.n_true_positives >= 33
    assert -1.3 <= err.mean() <= -0.8 and err.std(ddof=1) <= 0.7
    # 12 → 17: the own push-off reach brought 14 → 18 within ±1 (the far foot 5 → 9).
    assert (np.abs(err) <= 1 + 1e-6).sum() >= 17
    for foot in ("left", "right"):  # the far foot no longer borrows the near foot's lag
        own, own_err = toe_off_label_match(LABELS, treadmill_events.toe_offs, foot)
        bias = float(np.mean(own_err))
        print(foot, own.n_true_positives, round(bias, 2))
        assert -1.4 <= bias <= -0.6, (foot, bias)

"""Gait events (IC, TO) from side-view tracks: synthetic truth, plausibility rules, real clips.

Accuracy is checked against the exact contacts of the synthetic runner and against the
hand-labelled contacts of the real treadmill clip, with :func:`gaitcheck.evaluation.match_events`
(one-to-one, per foot): every detection is paired with a true event or counts as a false
positive. A contact counts as detectable when its stance and a third of a stride before it
are in the clip (the foot's approach is needed); a missed one that is not detectable is no
fault. Tolerances were measured on the detector as it is (frames of the clip's rate).
"""

from __future__ import annotations

import dataclasses
import itertools
import json

import numpy as np
import pytest

from gaitcheck.evaluation import EventMatch, match_events
from gaitcheck.events import (
    EventSegment,
    GaitEvent,
    GaitEvents,
    detect_gait_events,
    rules,
    suggest_slowmo_factor,
)
from gaitcheck.events.signals import LEG_PARTS
from gaitcheck.events.stances import Stance
from gaitcheck.events.timing import frame_to_time, parabolic_peak, time_to_frame
from gaitcheck.landmarks import LM
from gaitcheck.metrics.formulas import cadence_spm
from gaitcheck.pipeline import AnalyzeOptions
from gaitcheck.synth.artefacts import Artefacts
from gaitcheck.synth.camera import camera_for_view
from gaitcheck.synth.kinematics import generate_motion
from gaitcheck.synth.params import GaitParams
from gaitcheck.synth.to_tracks import motion_to_tracks
from gaitcheck.tracks.tracks import LandmarkTracks
from helpers import shared_video, synthetic_tracks

FACING = {"side-left": "left", "side-right": "right"}


def _clip(view: str = "side-left", artefacts=None, seed: int = 0, wide: bool = False,
          **params):
    """(gait, motion, tracks). Treadmill clips use the shared helper; overground clips a
    wide landscape camera centred on the path so the subject stays in view (``wide``)."""
    gait = GaitParams(**params)
    if gait.setting == "treadmill" and not wide:
        motion, tracks = synthetic_tracks(view, artefacts=artefacts, seed=seed, **params)
        return gait, motion, tracks
    motion = generate_motion(gait)
    camera = camera_for_view(view, subject_height_m=gait.body_height_m, width=1920,
                             height=1080, fps=gait.fps, fill=0.2 if wide else 0.5,
                             centre_x_m=0.5 * gait.speed_mps * gait.duration_s)
    return gait, motion, motion_to_tracks(motion, camera, artefacts, seed=seed)


def _detectable(gait: GaitParams, motion, t0: float, t1: float, kind: str = "IC") -> list:
    """True contacts whose approach and stance are in the clip; for TO also the quarter
    stride after it (the toe's backward peak that anchors it)."""
    stride = 2.0 * gait.step_time_s
    after = 0.1 if kind == "IC" else 0.25
    return [c for c in motion.contacts
            if c.ic_s >= t0 + stride / 3 and c.to_s <= t1 - after * stride]


def _match(events: GaitEvents, motion, kind: str, tol_s: float) -> EventMatch:
    """Detected events of one kind matched one-to-one to every true event of the motion
    (same foot, within ``tol_s``)."""
    found = events.contacts if kind == "IC" else events.toe_offs
    truth = [{"time_s": c.ic_s if kind == "IC" else c.to_s, "side": c.side}
             for c in motion.contacts]
    return match_events(found, truth, tol_s)


def _missed(m: EventMatch, motion, detectable: list) -> list:
    """The detectable true events that no detection was paired with."""
    wanted = {id(c) for c in detectable}
    return [motion.contacts[j] for j in m.misses if id(motion.contacts[j]) in wanted]


def _check(events: GaitEvents, gait, motion, t0: float, t1: float, kind: str,
           tol_s: float, max_abs_frames: float, max_bias_frames: float) -> EventMatch:
    """No false positive, no detectable event missed, every timing error within
    ``max_abs_frames`` and the mean (bias) within ``max_bias_frames`` frames."""
    m = _match(events, motion, kind, tol_s)
    frame = 1.0 / gait.fps
    errors = np.round(m.timing_errors_s / frame, 2)
    assert m.n_false_positives == 0, (kind, m.detected_s[m.false_positives])
    assert not _missed(m, motion, _detectable(gait, motion, t0, t1, kind)), kind
    assert np.all(np.abs(m.timing_errors_s) <= max_abs_frames * frame), (kind, errors)
    assert abs(m.timing().bias) <= max_bias_frames * frame, (kind, errors)
    return m


def _alternates(events: GaitEvents) -> bool:
    return all(a.side != b.side for a, b in itertools.pairwise(events.contacts))


def _subset(tracks: LandmarkTracks, rows: np.ndarray) -> LandmarkTracks:
    return LandmarkTracks(tracks.image[rows], tracks.world[rows], tracks.time_s[rows],
                          tracks.frame_index[rows], tracks.video, tracks.source)


# --- Noise-free synthetic truth ----------------------------------------------------------

@pytest.mark.parametrize("view", ["side-left", "side-right"])
@pytest.mark.parametrize("setting", ["treadmill", "overground"])
@pytest.mark.parametrize("activity", ["run", "walk"])
def test_noise_free_events_match_truth(activity, setting, view):
    """Every detectable IC and TO found, no false positive, each within ±0.5 frame with a
    bias within ±0.3 frame (measured: at most 0.43 and 0.26 frame, the late forefoot IC
    and the early running TO), cadence ±0.5 steps/min, feet alternating, activity right
    — for all three strike patterns."""
    duration = 10.0 if setting == "treadmill" else (4.0 if activity == "run" else 9.0)
    for strike in ("rearfoot", "midfoot", "forefoot"):
        gait, motion, tracks = _clip(view, activity=activity, setting=setting, strike=strike,
                                     duration_s=duration, wide=setting == "overground")
        events = detect_gait_events(tracks, FACING[view])
        t0, t1 = tracks.time_s[0], tracks.time_s[-1]
        truth = _detectable(gait, motion, t0, t1)
        assert len(truth) >= 6
        for kind in ("IC", "TO"):
            _check(events, gait, motion, t0, t1, kind, 0.5 * gait.step_time_s, 0.5, 0.3)
        true_cadence = cadence_spm(np.array([c.ic_s for c in truth]))
        assert abs(events.cadence_spm - true_cadence) <= 0.5, strike
        assert _alternates(events) and not events.rejected
        assert events.activity == activity and events.activity_confidence > 0.9
        assert events.slowmo_factor_suggested is None and not events.warnings


def test_noise_free_variable_steps_and_asymmetry():
    """Stride-to-stride variability and a 6 % contact-time asymmetry are followed, not
    smoothed away: per-contact errors stay within half a frame, no false positive
    (measured: IC at most 0.17 frame, bias −0.05; TO 0.36, bias −0.20)."""
    gait, motion, tracks = _clip(activity="run", step_time_cv=0.03, asym_contact_time_pct=6.0,
                                 seed=3)
    events = detect_gait_events(tracks, "left")
    for kind in ("IC", "TO"):
        _check(events, gait, motion, tracks.time_s[0], tracks.time_s[-1], kind, 0.1, 0.5, 0.3)


def test_non_uniform_timestamps():
    """Variable frame intervals (7 and 9 frames of a 240 fps capture, 30 fps on average):
    times come from ``time_s``, so errors stay within one mean frame interval (measured:
    0.29, bias −0.09), with no false positive."""
    gait, motion, tracks = _clip(activity="run", fps=240.0, duration_s=6.0)
    rows = np.cumsum(np.tile([7, 9], 90))
    rows = rows[rows < tracks.n_frames]
    sub = _subset(tracks, rows)
    assert np.ptp(np.diff(sub.time_s)) > 0.008
    events = detect_gait_events(sub, "left")
    _check(events, dataclasses.replace(gait, fps=30.0), motion, sub.time_s[0], sub.time_s[-1],
           "IC", 0.1, 1.0, 0.3)
    # Sub-frame positions map back to the same times.
    for e in events.contacts:
        assert frame_to_time(sub.time_s, e.frame) == pytest.approx(e.time_s)


# --- Realistic pose artefacts ------------------------------------------------------------

def test_realistic_artefacts():
    """Jitter, dropped frames, leg swaps, far-foot errors: cadence ±1 steps/min on every
    clip, no false IC and no detectable IC missed, ≥ 90 % of ICs within ±1 frame, IC bias
    within −0.6..0 frame per clip (measured over 12 clips: 97 % within a frame, biases
    −0.06 to −0.46 frame: early by about a third of a frame). Raw tracks: no low-pass
    (an 8 Hz Butterworth blurs the landing and lowers the hit rate); the detector rejects
    loose feet itself."""
    hits, total = 0, 0
    for activity in ("run", "walk"):
        for view in ("side-left", "side-right"):
            for seed in range(3):
                gait, motion, tracks = _clip(view, Artefacts.realistic(), seed,
                                             activity=activity)
                events = detect_gait_events(tracks, FACING[view])
                truth = _detectable(gait, motion, tracks.time_s[0], tracks.time_s[-1])
                m = _match(events, motion, "IC", 0.5 * gait.step_time_s)
                assert m.n_false_positives == 0 and not _missed(m, motion, truth)
                bias = m.timing().bias * gait.fps
                assert -0.6 <= bias <= 0.0, (activity, view, seed, bias)
                hits += int(np.sum(np.abs(m.timing_errors_s) <= 1.0 / gait.fps + 1e-9))
                total += m.n_true_positives
                true_cadence = cadence_spm(np.array([c.ic_s for c in motion.contacts]))
                assert abs(events.cadence_spm - true_cadence) <= 1.0, (activity, view, seed)
                assert events.activity == activity
    assert hits / total >= 0.9, f"{hits}/{total}"


def test_leg_swaps_and_wrong_facing_are_corrected():
    """Left/right exchanged for 5 frames in mid-stride: events stay on the right feet."""
    gait, motion, tracks = _clip(activity="run")
    image = tracks.image.copy()
    left, right = ([LM[f"{s}_{p}"] for p in LEG_PARTS] for s in ("left", "right"))
    image[100:105, left + right] = tracks.image[100:105, right + left]
    events = detect_gait_events(dataclasses.replace(tracks, image=image), "left")
    assert [w.code for w in events.warnings] == ["legs_swapped"]
    assert "exchanged" in events.warnings[0].message
    _check(events, gait, motion, tracks.time_s[0], tracks.time_s[-1], "IC", 0.1, 1.0, 0.3)
    assert _alternates(events)
    # A facing the feet contradict throughout is corrected, with a warning.
    events = detect_gait_events(tracks, "right")
    assert any(w.code == "facing_contradicted" and "facing was given as 'right'" in w.message
               for w in events.warnings)
    assert abs(events.cadence_spm - 170.0) <= 0.5


# --- Gaps, entering and leaving, turns -------------------------------------------------

def test_gap_in_the_middle_splits_without_inventing_events():
    _, _, tracks = _clip(activity="run")
    image = tracks.image.copy()
    image[120:150] = np.nan  # 1 s without a pose
    events = detect_gait_events(dataclasses.replace(tracks, image=image), "left")
    assert len(events.segments) == 2
    assert not any(117 <= e.frame <= 153 for e in (*events.contacts, *events.toe_offs))
    assert abs(events.cadence_spm - 170.0) <= 0.5  # the gap adds no fictitious step
    for k in range(2):
        seg = [e for e in events.contacts if events.segment_of(e) == k]
        assert len(seg) >= 5 and all(a.side != b.side for a, b in itertools.pairwise(seg))


def test_subject_enters_and_leaves_the_frame():
    """Overground past a camera that sees 6 m of the path: no event where a foot is out of
    the picture, every contact in view found."""
    gait, motion, tracks = _clip(activity="run", setting="overground", duration_s=3.0)
    outside = ~np.isfinite(tracks.image[:, :, 0]).all(axis=1) | np.any(
        (tracks.image[:, 23:33, :2] < 0) | (tracks.image[:, 23:33, :2] > 1), axis=(1, 2))
    assert outside[0] and outside[-1] and not outside.all()
    events = detect_gait_events(tracks, "left")
    seen = np.flatnonzero(~outside)
    assert events.contacts
    for e in (*events.contacts, *events.toe_offs):
        assert seen[0] <= e.frame <= seen[-1]
    truth = [c for c in motion.contacts
             if seen[0] / gait.fps + 0.25 <= c.ic_s and c.to_s <= seen[-1] / gait.fps - 0.05]
    m = _match(events, motion, "IC", 0.1)
    assert m.n_false_positives == 0 and not _missed(m, motion, truth)
    assert np.all(np.abs(m.timing_errors_s) <= 1.0 / gait.fps)


def test_turn_around_is_split_with_a_warning():
    """A walk to the left, then (after turning) to the right."""
    _, _, there = _clip("side-left", activity="walk", duration_s=6.0)
    _, _, back = _clip("side-right", activity="walk", duration_s=6.0, start_phase=0.3)
    both = LandmarkTracks(*(np.concatenate([getattr(there, k), getattr(back, k)])
                            for k in ("image", "world")),
                          np.concatenate([there.time_s, there.time_s[-1] + 1 / 30 + back.time_s]),
                          np.arange(there.n_frames + back.n_frames), there.video)
    events = detect_gait_events(both, "left")
    assert any(w.code == "subject_turns" and "turns" in w.message for w in events.warnings)
    assert [s.facing for s in events.segments] == ["left", "right"]
    junction = there.n_frames
    assert not any(junction - 15 <= e.frame <= junction + 15 for e in events.contacts)
    assert all(len([e for e in events.contacts if events.segment_of(e) == k]) >= 5
               for k in range(2))
    assert events.activity == "walk"


@pytest.mark.parametrize("case", ["front view", "standing still"])
def test_no_reliable_events_no_numbers(case):
    _, tracks = synthetic_tracks("front" if case == "front view" else "side-left",
                                 activity="walk")
    if case == "standing still":
        still = np.repeat(tracks.image[:1], tracks.n_frames, axis=0)
        still[:, :, :2] += np.random.default_rng(0).normal(0, 0.001, still[:, :, :2].shape)
        tracks = dataclasses.replace(tracks, image=still)
    events = detect_gait_events(tracks, "left")
    assert not events.contacts and not events.toe_offs and events.activity is None
    assert np.isnan(events.cadence_spm)
    assert any(w.code == "no_events" for w in events.warnings)
    with pytest.raises(ValueError, match="facing"):
        detect_gait_events(tracks, "front")
    with pytest.raises(ValueError, match="activity"):
        detect_gait_events(tracks, "left", activity="sprint")


# --- Slow motion -------------------------------------------------------------------------

@pytest.mark.parametrize(("activity", "factor"), [("run", 4), ("run", 8), ("walk", 4)])
def test_slow_motion_is_flagged(activity, factor):
    """Captured at 30·k fps, stored at 30 fps: the clock says k× too slow. A flight phase
    (or double support) is the same at any speed, so the activity is still told."""
    gait, _, tracks = _clip(activity=activity, fps=30.0 * factor, duration_s=6.0)
    events = detect_gait_events(dataclasses.replace(tracks, time_s=tracks.time_s * factor),
                                "left")
    assert events.activity == activity
    assert events.slowmo_factor_suggested == factor
    assert any(w.code == "slowmo_suspected" and f"--slowmo {factor}" in w.message
               and "slow motion" in w.message for w in events.warnings)
    assert events.cadence_spm * factor == pytest.approx(gait.cadence_spm, abs=0.5)


@pytest.mark.parametrize(("cadence", "activity", "factor"), [
    (170.0, "run", None), (42.5, "run", 4), (21.25, "run", 8), (75.0, "run", 2),
    (110.0, "walk", None), (27.5, "walk", 4), (13.75, "walk", 8), (float("nan"), "run", None),
    (42.5, None, 4), (300.0, "run", None),
])
def test_suggest_slowmo_factor(cadence, activity, factor):
    assert suggest_slowmo_factor(cadence, activity) == factor


# --- Plausibility rules ------------------------------------------------------------------

def _stance(side, ic, to=np.nan, conf=0.9):
    return Stance(side, ic, to, conf, conf, ic, to, ic - 1, to + 3, conf, 0.98)


def test_rules_drop_implausible_contacts():
    time_s = np.arange(400) / 30.0
    st = [_stance("left", 10.0, 17.0), _stance("right", 20.6, 27.6),
          _stance("right", 23.0, 29.0, conf=0.4),  # too close after the right contact
          _stance("left", 31.2, 38.2), _stance("left", 41.0, conf=0.3),  # same foot again
          _stance("right", 41.8, 48.8), _stance("left", 52.4, 59.4),
          _stance("left", 73.6, 80.6),  # the right contact between was missed
          _stance("right", 84.2, 120.0)]  # toe-off far too late
    checked = rules.check_segment(st, time_s, "run", rules.median_step_s(st, time_s))
    kept = [round(e.frame, 1) for e in checked.contacts]
    assert kept == [10.0, 20.6, 31.2, 41.8, 52.4, 73.6, 84.2]
    reasons = {round(r.event.frame, 1): r.reason for r in checked.rejected}
    assert "too close" in reasons[23.0] and "in a row" in reasons[41.0]
    assert "contact time" in reasons[120.0]
    assert [w.code for w in checked.warnings] == ["contacts_missed"]
    assert "right contact between" in checked.warnings[0].message
    # The missed contact counts as the two steps it spans: cadence stays one step per
    # 10.6 frames.
    events = GaitEvents(tuple(checked.contacts), segments=(
        EventSegment(0, 400, 0.0, time_s[-1], "left"),))
    assert events.cadence_spm == pytest.approx(60 * 30 / 10.6, rel=0.01)


def test_rules_drop_steps_shorter_than_physiological():
    """Contacts every 0.15 s are not a run (400 steps/min); on a 4× slowed clock the same
    contacts are 0.6 s apart in the file and caught only with the slow-motion factor."""
    time_s = np.arange(400) / 30.0
    st = [_stance(s, 10.0 + 4.5 * k) for k, s in enumerate(["left", "right"] * 8)]
    checked = rules.check_segment(st, time_s, "run", rules.median_step_s(st, time_s))
    assert any("shorter than any run step" in r.reason for r in checked.rejected)
    slow = 4.0 * time_s
    assert not rules.check_segment(st, slow, "run", rules.median_step_s(st, slow)).rejected
    assert rules.check_segment(st, slow, "run", rules.median_step_s(st, slow), 4.0).rejected


def test_activity_from_flight_phase():
    frame_s = 1 / 30
    ics = [GaitEvent("left" if k % 2 == 0 else "right", "IC", 0.35 * k, 0.0, 1.0)
           for k in range(8)]
    run_to = [GaitEvent(e.side, "TO", e.time_s + 0.25, 0.0, 1.0) for e in ics]
    walk_to = [GaitEvent(e.side, "TO", e.time_s + 0.45, 0.0, 1.0) for e in ics]
    assert rules.classify_activity(ics, run_to, frame_s)[:2] == ("run", 1.0)
    assert rules.classify_activity(ics, walk_to, frame_s)[:2] == ("walk", 1.0)
    assert rules.classify_activity(ics[:1], run_to[:1], frame_s)[0] is None


# --- Output and timing helpers -----------------------------------------------------------

def test_result_is_json_ready():
    _, _, tracks = _clip(activity="run", duration_s=4.0)
    events = detect_gait_events(tracks, "left")
    data = json.loads(json.dumps(events.to_dict()))
    assert set(data) >= {"contacts", "toe_offs", "activity", "activity_confidence",
                         "warnings", "slowmo_factor_suggested", "segments", "rejected",
                         "cadence_spm"}
    first = data["contacts"][0]
    assert set(first) == {"side", "kind", "time_s", "frame", "confidence"}
    assert first["kind"] == "IC" and 0 <= first["confidence"] <= 1
    with pytest.raises(dataclasses.FrozenInstanceError):
        events.activity = "walk"  # type: ignore[misc]
    for ic, to in events.stance_phases():
        assert ic.side == to.side and 0.2 < to.time_s - ic.time_s < 0.3


def test_timing_helpers():
    assert 3 + parabolic_peak(-(np.arange(7.0) - 3.3) ** 2, 3) == pytest.approx(3.3)
    t = np.array([0.0, 0.03, 0.07, 0.1, 0.15])
    assert [time_to_frame(t, frame_to_time(t, f)) for f in (0, 1.5, 3.9)] == pytest.approx(
        [0, 1.5, 3.9])


# --- Real clips (MediaPipe) --------------------------------------------------------------

@pytest.fixture(scope="module")
def treadmill(pose_run):
    video = shared_video("treadmill_side_30fps.mp4")
    out = pose_run(video, AnalyzeOptions(max_people=1))  # the session's run
    truth = json.loads(video.with_suffix(".truth.json").read_text())
    return out.tracks, truth, detect_gait_events(out.tracks, truth["facing"])


@pytest.mark.slow
@pytest.mark.shared
def test_real_treadmill_cadence_activity_contact_times(treadmill):
    _, truth, events = treadmill
    assert events.activity == "run" and events.activity_confidence > 0.8
    assert abs(events.cadence_spm - truth["cadence_spm"]["value"]) <= 2.0
    assert events.slowmo_factor_suggested is None and _alternates(events)
    lo, hi = truth["plausible_bands"]["ground_contact_ms"]
    contact_ms = [1000 * (to.time_s - ic.time_s) for ic, to in events.stance_phases()]
    assert len(contact_ms) >= 25
    assert all(lo <= ms <= hi for ms in contact_ms), np.round(contact_ms)


@pytest.mark.slow
@pytest.mark.shared
def test_real_treadmill_contacts_match_labels(treadmill):
    """The 34 labelled contacts (near = left, far = right: the runner faces image-left),
    one-to-one per foot: ≥ 90 % found within ±1 frame (≥ 85 % per foot), no detected
    contact more than 3 frames from every label, bias within ±0.5 frame. Measured: 33/34
    (the miss is the last label, 1 frame before the clip ends), no false positive at
    either tolerance, bias +0.21 frame (+7 ms), SD 0.45 frame: the labels' own
    resolution (±1 frame)."""
    _, truth, events = treadmill
    side = {"near": "left", "far": "right"}
    labels = [{"time_s": c["time_s"], "side": side[c["foot"]]}
              for c in truth["contacts"]["list"]]
    frame = 1.0 / truth["fps"]
    m = match_events(events.contacts, labels, frame + 1e-6)
    print(m.to_dict())
    assert m.recall >= 0.9 and m.precision >= 0.9
    for foot in ("left", "right"):
        own = match_events([e for e in events.contacts if e.side == foot],
                           [lab for lab in labels if lab["side"] == foot], frame + 1e-6)
        assert own.recall >= 0.85, foot
    assert abs(m.timing().bias) <= 0.5 * frame
    assert match_events(events.contacts, labels, 3 * frame).n_false_positives == 0


@pytest.mark.slow
@pytest.mark.shared
def test_real_walking_clip(pose_run):
    """Barefoot walking past a busy background: walking, alternating contacts."""
    # Others are in view: track two people so the walker, not the jumper, is followed.
    out = pose_run(shared_video("walking_side_distractors.mp4"), AnalyzeOptions(max_people=2))
    events = detect_gait_events(out.tracks, "left")
    assert events.activity == "walk"
    assert len(events.contacts) >= 4 and _alternates(events)
    assert 70 <= events.cadence_spm <= 140

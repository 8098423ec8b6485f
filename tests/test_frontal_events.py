"""Issue 15: initial contact and toe-off of both feet in a back view, per-foot contact
time, and the contact-time asymmetry it allows.

On landmark tracks of the synthetic runner seen from behind (exact, and with realistic
artefacts), and on the rendered back-view sample through the pose model.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from gaitcheck.analysis import analyze_tracks
from gaitcheck.evaluation import match_events
from gaitcheck.events.frontal import (
    MIN_PELVIS_AGREEMENT,
    detect_frontal_events,
    pelvis_agreement,
)
from gaitcheck.metrics.frames import levelled
from gaitcheck.synth.artefacts import Artefacts
from gaitcheck.synth.camera import camera_for_view
from gaitcheck.synth.kinematics import generate_motion
from gaitcheck.synth.params import GaitParams
from gaitcheck.synth.to_tracks import motion_to_tracks

ROOT = Path(__file__).resolve().parents[1]
#: The rendered back-view sample (a synthetic runner seen from behind, with its truth).
SAMPLE = ROOT / "sample_videos" / "back_crossover_asymmetry.mp4"


def back_runner(seed: int, fps: float = 30.0, artefacts: bool = True,
                duration_s: float = 12.0, **params):
    """Tracks and true motion of a synthetic runner filmed from behind."""
    gait = GaitParams(seed=seed, step_time_cv=0.02, angle_sd_deg=1.5, duration_s=duration_s,
                      fps=fps, speed_mps=3.0, **params)
    camera = camera_for_view("back", subject_height_m=gait.body_height_m, fps=fps,
                             fill=0.6)
    motion = generate_motion(gait)
    tracks = motion_to_tracks(motion, camera, Artefacts.realistic() if artefacts else None,
                              seed=seed)
    return tracks, motion


def accuracy(tracks, motion) -> dict[str, tuple[float, float]]:
    """F1 and mean timing error (ms) of IC and TO, 50 ms tolerance, away from the ends."""
    events = detect_frontal_events(levelled(tracks), "back")
    t0, t1 = tracks.time_s[0] + 0.3, tracks.time_s[-1] - 0.3
    out = {}
    for kind, found, attr in (("IC", events.contacts, "ic_s"), ("TO", events.toe_offs, "to_s")):
        truth = [{"time_s": getattr(c, attr), "side": c.side} for c in motion.contacts
                 if t0 <= getattr(c, attr) <= t1]
        m = match_events([e for e in found if t0 <= e.time_s <= t1], truth, 0.05)
        out[kind] = (m.f1, 1000 * float(np.mean(m.timing_errors_s)))
    return out


@pytest.mark.parametrize("fps", [30.0, 60.0])
def test_exact_back_view_events(fps: float) -> None:
    acc = accuracy(*back_runner(0, fps, artefacts=False))
    for kind, (f1, bias) in acc.items():
        assert f1 >= 0.98, (kind, f1)
        assert abs(bias) <= 10.0, (kind, bias)  # a third of a 30-fps frame


def test_back_view_events_with_artefacts() -> None:
    f1 = {"IC": [], "TO": []}
    bias = {"IC": [], "TO": []}
    for seed in range(3):
        for kind, (f, b) in accuracy(*back_runner(seed)).items():
            f1[kind].append(f)
            bias[kind].append(b)
    # Measured at 30 fps (seeds 0-2): IC F1 0.92-0.99, bias 0..+4 ms; TO F1 0.89-0.98,
    # bias 0..+18 ms (the lift's onset is fitted, not its crossing of the jitter band).
    assert np.mean(f1["IC"]) >= 0.9 and np.mean(f1["TO"]) >= 0.9
    assert abs(np.mean(bias["IC"])) <= 8.0
    assert -5.0 <= np.mean(bias["TO"]) <= 20.0


def test_back_view_contact_time_per_foot_in_the_report() -> None:
    tracks, motion = back_runner(1)
    a = analyze_tracks(tracks)
    assert a.scene.view == "back"
    assert not any(w["code"] == "back_view_events_unsure" for w in a.warnings)
    contact = a.metrics["ground_contact_ms"]
    assert contact.measurable and contact.per_side is not None
    true_ms = 1000 * np.mean([c.to_s - c.ic_s for c in motion.contacts])
    # Measured +14 ms at 30 fps with realistic artefacts; the interval holds it.
    assert -10.0 <= contact.value - true_ms <= 35.0
    lo, hi = contact.ci95
    assert lo <= contact.value <= hi
    assert {c["side"] for c in a.contacts} == {"left", "right"}
    assert a.asymmetry["contact_time"]["measurable"]


def test_contact_time_asymmetry_is_seen_with_its_sign() -> None:
    """A 15 % contact-time asymmetry (SI) comes out with the right sign, both ways."""
    measured = []
    for seed in range(6):
        asym = 15.0 if seed % 2 == 0 else -15.0
        tracks, _ = back_runner(seed, asym_contact_time_pct=asym)
        ct = analyze_tracks(tracks).asymmetry["contact_time"]
        # GaitParams' asymmetry is (R - L) / mean; the report's SI is unsigned.
        signed = ct["si_pct"] * np.sign(ct["right"] - ct["left"])
        measured.append(signed / asym)
    # Measured at 0.62-0.96 of the truth (30 fps, 12 s): the sign always, the size a
    # little compressed by the jitter (the toe-off of the shorter stance reads late).
    assert min(measured) > 0.4, measured
    assert np.median(measured) >= 0.6, measured


@pytest.mark.xfail(strict=True, reason="issue 15 Done-when not met: a 15 % contact-time "
                   "asymmetry reads 7-15 % SI (median 11) in a back view at 30 fps over "
                   "12 s (the jittered toe-off of the shorter stance reads ~6 ms late, of "
                   "the longer ~3 ms early) with a 95 % interval of about +-6 %, so its "
                   "lower end clears the 10 % threshold on 0/10 seeds (2/10 over 30 s, "
                   "6/10 at 60 fps over 30 s); a 20 % asymmetry over 30 s is found on 10/10")
def test_fifteen_percent_contact_asymmetry_is_found_on_nine_of_ten_seeds() -> None:
    hits = 0
    for seed in range(10):
        asym = 15.0 if seed % 2 == 0 else -15.0
        tracks, _ = back_runner(seed, asym_contact_time_pct=asym)
        hits += bool(analyze_tracks(tracks).asymmetry["contact_time"]["flagged"])
    assert hits >= 9


def test_twenty_percent_contact_asymmetry_over_thirty_seconds_is_found() -> None:
    """What the back view can sign today: a 20 % contact-time asymmetry filmed for 30 s
    at 30 fps, found on 9 of 10 seeds or more (measured 10/10, 4/10 before the IC
    refinement and the trimmed interval; SI median 16.4 %, interval about +-3 %), while
    the same symmetric runners are never flagged (0/10, SI median 1.3 %)."""
    hits, false = 0, 0
    for seed in range(10):
        asym = 20.0 if seed % 2 == 0 else -20.0
        tracks, _ = back_runner(seed, duration_s=30.0, asym_contact_time_pct=asym)
        row = analyze_tracks(tracks).asymmetry["contact_time"]
        hits += bool(row["flagged"])
        # The sign is right whenever it is flagged.
        assert not row["flagged"] or np.sign(row["right"] - row["left"]) == np.sign(asym)
    for seed in range(5):
        tracks, _ = back_runner(seed, duration_s=30.0)
        false += bool(analyze_tracks(tracks).asymmetry["contact_time"]["flagged"])
    assert hits >= 9, hits
    assert false == 0


def test_symmetric_back_view_runners_show_no_contact_asymmetry() -> None:
    for seed in range(5):
        tracks, _ = back_runner(seed)
        a = analyze_tracks(tracks)
        assert not a.asymmetry["contact_time"]["flagged"]
        assert not [f for f in a.findings if f["severity"] in ("mild", "moderate")]


def test_pelvis_confirms_synthetic_events() -> None:
    tracks, _ = back_runner(2)
    events = detect_frontal_events(levelled(tracks), "back")
    assert pelvis_agreement(events, tracks) >= 0.9 > MIN_PELVIS_AGREEMENT


@pytest.mark.slow
def test_rendered_back_sample_falls_back_when_the_pelvis_disagrees(pose_run) -> None:
    """MediaPipe draws the swinging feet on the ground from behind in this render: the
    events found on them are out of phase, the pelvis check refuses them, and the report
    says so instead of giving contact times. Re-analysed from the saved landmarks, as
    `gaitcheck analyze --landmarks` does (the session's run, which test_accuracy shares);
    measured: pelvis agreement 0.0, cadence 169.8 steps/min (truth 170)."""
    from gaitcheck.pipeline import AnalyzeOptions
    from gaitcheck.tracks.io import load_tracks

    out = pose_run(SAMPLE, AnalyzeOptions(max_people=1))
    tracks = load_tracks(out.out_dir / "landmarks.npz")
    truth = json.loads(SAMPLE.with_name("back_crossover_asymmetry.truth.json").read_text())
    events = detect_frontal_events(levelled(tracks), "back")
    assert pelvis_agreement(events, tracks) < MIN_PELVIS_AGREEMENT
    a = analyze_tracks(tracks)
    assert any(w["code"] == "back_view_events_unsure" for w in a.warnings)
    assert not a.metrics["ground_contact_ms"].measurable
    assert not a.contacts
    assert abs(a.metrics["cadence_spm"].value - truth["params"]["cadence_spm"]) < 3.0

"""Issue 15: a runner who turns round (across the picture and back) is analysed with a
facing per leg of the trip, not one facing for the whole clip.

Before (one facing): trunk lean 8° read −0.4°, head 15° read −0.8°, overstride 18 %
read −5.6 % and the foot angle was withheld as implausible; the two halves cancelled.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pytest

from gaitcheck.analysis import analyze_tracks
from gaitcheck.events.model import EventSegment
from gaitcheck.landmarks import LM
from gaitcheck.synth.artefacts import Artefacts
from gaitcheck.synth.camera import camera_for_view
from gaitcheck.synth.kinematics import generate_motion
from gaitcheck.synth.params import GaitParams
from gaitcheck.synth.paths import there_and_back
from gaitcheck.synth.to_tracks import motion_to_tracks
from gaitcheck.synth.truth import true_metrics
from gaitcheck.tracks.facing import face_one_way


def _runner(view: str, seed: int, turn: bool = True):
    gait = GaitParams(setting="overground", duration_s=8.0 if turn else 4.0, seed=seed,
                      step_time_cv=0.02, speed_mps=2.5)
    straight = generate_motion(gait)
    motion = there_and_back(straight) if turn else straight
    hip_x = 0.5 * (motion.points[:, LM["left_hip"], 0] + motion.points[:, LM["right_hip"], 0])
    camera = camera_for_view(view, width=1280, height=720,
                             centre_x_m=float((hip_x.min() + hip_x.max()) / 2), fill=0.42)
    return motion_to_tracks(motion, camera, Artefacts.realistic(), seed=seed), straight


@pytest.mark.parametrize("view", ["side-left", "side-right"])
@pytest.mark.parametrize("seed", [0, 1])
def test_turning_runner_metrics_match_the_truth(view: str, seed: int) -> None:
    tracks, straight = _runner(view, seed)
    a = analyze_tracks(tracks)
    truth = true_metrics(straight)
    assert any(w["code"] == "subject_turns_mirrored" for w in a.warnings)
    assert {s.facing for s in a.events.segments} == {a.scene.facing}
    assert len(a.events.segments) >= 2  # one per leg of the trip
    m = {k: a.metrics[k].value for k in a.metrics}
    assert m["trunk_lean_deg"] == pytest.approx(truth["trunk_lean_deg"]["value"], abs=1.0)
    assert m["head_forward_deg"] == pytest.approx(truth["head_forward_deg"]["value"], abs=1.5)
    # Two legs of ~3 s each: measured within 2.2 spm (side-right seed 0: a contact
    # missed next to the turn).
    assert m["cadence_spm"] == pytest.approx(truth["cadence_spm"]["value"], abs=3.0)
    # Overstride and knee at contact carry the pose jitter at this small scale (leg
    # ~150 px); a straight 4 s run on the same camera reads 11.6-17.7 % and 16-21°.
    assert m["overstride_pct"] == pytest.approx(truth["overstride_pct"]["value"], abs=7.0)
    assert m["knee_flexion_ic_deg"] == pytest.approx(truth["knee_flexion_ic_deg"]["value"],
                                                     abs=6.0)
    assert not [f for f in a.findings if f["severity"] in ("mild", "moderate")]


_OWN_LAG = pytest.mark.xfail(strict=True, reason=(
    "each foot's own toe-off lag (events/stances.anchor_calibrated) reads this seed's "
    "far-foot toe-offs early under the synthetic far-foot artefacts: contact time 230 -> "
    "215 ms against 249.5 ms truth (seeds 0-3, both views: mean error -12 -> -19 ms). "
    "Kept because on the real clip the far foot's own lag matches blind labels (bias "
    "-1.90 -> -1.12 frames) where the borrowed near-foot lag did not"))


@pytest.mark.parametrize(("view", "seed"), [
    ("side-left", 0), ("side-left", 1), ("side-right", 0),
    pytest.param("side-right", 1, marks=_OWN_LAG)])
def test_turning_runner_contact_time_matches_the_truth(view: str, seed: int) -> None:
    """Contact time of the there-and-back runner within 20 ms of the truth (measured:
    236, 236, 232 and 215 ms against 249-250 ms)."""
    tracks, straight = _runner(view, seed)
    a = analyze_tracks(tracks)
    truth = true_metrics(straight)["ground_contact_ms"]["value"]
    assert a.metrics["ground_contact_ms"].value == pytest.approx(truth, abs=20.0)


def test_straight_runner_is_left_alone() -> None:
    tracks, _ = _runner("side-left", 0, turn=False)
    a = analyze_tracks(tracks)
    assert not any(w["code"] == "subject_turns_mirrored" for w in a.warnings)
    assert face_one_way(tracks, a.events.segments) is None


def test_face_one_way_mirrors_the_minority_and_drops_the_turn() -> None:
    tracks, _ = _runner("side-left", 0)
    segs = (EventSegment(0, 100, 0.0, 3.3, "left"), EventSegment(150, 220, 5.0, 7.3, "right"),
            EventSegment(225, 235, 7.5, 7.8, "right"))
    one = face_one_way(tracks, segs)
    assert one is not None and one.facing == "left"
    # The turn (100-150) is dropped; everything from it to the end is mirrored.
    assert one.dropped_frames == 50 and one.mirrored_frames == tracks.n_frames - 150
    assert np.isnan(one.tracks.image[120]).all()
    x0, x1 = tracks.image[200, :, 0], one.tracks.image[200, :, 0]
    assert np.allclose(x1, 1.0 - x0, equal_nan=True)
    assert np.array_equal(one.tracks.image[20], tracks.image[20], equal_nan=True)


def test_turning_runner_is_drawn_where_the_video_shows_him() -> None:
    """The metrics read tracks made to face one way (the return mirrored), but what the
    report draws from the analysis (skeleton, face blur, foot crops) stays in the
    video's coordinates: a mirrored face would be blurred in the wrong place."""
    tracks, _ = _runner("side-left", 0)
    a = analyze_tracks(tracks)
    assert any(w["code"] == "subject_turns_mirrored" for w in a.warnings)
    assert a.cleaned_tracks is not None
    raw = tracks.image[:, LM["nose"], 0].astype(float)
    drawn = a.cleaned_tracks.image[:, LM["nose"], 0].astype(float)
    both = np.isfinite(raw) & np.isfinite(drawn)
    half = tracks.n_frames // 2  # out and back: both legs of the trip are checked
    assert both[:half].sum() > 40 and both[half:].sum() > 40
    # Cleaning moves a landmark by its jitter, not across the picture.
    assert np.percentile(np.abs(drawn[both] - raw[both]), 95) < 0.03


def test_turning_runner_per_frame_angles_face_forward_on_both_legs() -> None:
    """Per-frame curves and ``frames.csv`` angles read the same tracks as the metrics:
    on the return half they are not sign-flipped (trunk lean 8° read about −8° there
    before), also when the result is rebuilt from report.json and the raw landmarks."""
    import csv

    from gaitcheck.pipeline import AnalyzeOptions, build_result
    from gaitcheck.report.csv_report import FRAMES_CSV, write_csvs
    from gaitcheck.result import GaitResult

    tracks, straight = _runner("side-left", 0)
    truth = true_metrics(straight)["trunk_lean_deg"]["value"]
    result = build_result(tracks, AnalyzeOptions())
    one_way = result.report["analysis"]["frame"]["one_way"]
    assert one_way["mirrored_frames"] > 40 and one_way["mirrored_video_frames"]
    reloaded = GaitResult(result.report, result.tracks)  # cleans again, no cache
    half = tracks.n_frames // 2
    for r in (result, reloaded):
        trunk = r.angles["trunk_lean_deg"]
        for part in (trunk[:half], trunk[half:]):
            assert np.isfinite(part).sum() > 40
            assert np.nanmedian(part) == pytest.approx(truth, abs=2.0)
        knee = r.angles["knee_flexion_left_deg"]
        assert np.nanpercentile(knee[half:], 5) > -10  # flexion, not a mirrored sign
    out = Path(tempfile.mkdtemp())
    write_csvs(result, out)
    with (out / FRAMES_CSV).open(encoding="utf-8-sig", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["trunk_lean_deg"] not in ("", "nan")]
    back = [float(r["trunk_lean_deg"]) for r in rows if int(r["frame"]) >= half]
    assert len(back) > 40 and np.median(back) == pytest.approx(truth, abs=2.0)

"""No running verdicts on slow-motion or walking video, end to end (pose on real pixels).

Three rendered clips (a runner stored at 2× slow motion, a walker going across the room
and back, a runner filmed by a phone panning with him) and the shared walking clip, each
analysed once by the pose model and re-analysed from its landmarks with
``--slowmo auto`` (no second pose pass).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gaitcheck.cli.app import app
from gaitcheck.metrics.context import TIME_BASED
from gaitcheck.metrics.definitions import REGISTRY
from gaitcheck.pipeline import AnalyzeOptions, analyze_video, result_from_landmarks
from gaitcheck.synth.clip import ClipSpec, make_clip
from gaitcheck.synth.params import GaitParams
from helpers import shared_video

pytestmark = pytest.mark.slow

CLIPS = {
    # 60 fps capture stored at 30 fps: every time on the file's clock is doubled.
    "runner_slowmo_2x": ClipSpec(GaitParams(activity="run", duration_s=4.0, fps=60.0, seed=3,
                                            step_time_cv=0.02),
                                 view="side-left", playback_fps=30.0, size=(432, 768)),
    "walker_there_and_back": ClipSpec(GaitParams(activity="walk", setting="overground",
                                                 duration_s=8.0, seed=3, step_time_cv=0.02),
                                      view="side-left", path="there-and-back",
                                      size=(960, 540)),
    "runner_panning_phone": ClipSpec(GaitParams(activity="run", setting="overground",
                                                duration_s=5.0, seed=3, step_time_cv=0.02),
                                     view="side-left", camera_motion="follow",
                                     size=(640, 360), fill=0.6),
}


@pytest.fixture(scope="module", params=list(CLIPS))
def rendered(request: pytest.FixtureRequest,
             tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict, dict]:
    """(name, plain report, --slowmo auto report) of one rendered clip."""
    name = request.param
    folder = tmp_path_factory.mktemp(name)
    video = make_clip(folder / f"{name}.mp4", CLIPS[name])["video"]
    formats = None if name == "runner_slowmo_2x" else ()  # one HTML summary card is checked
    plain = analyze_video(video, folder / "out", AnalyzeOptions(formats=formats))
    auto = result_from_landmarks(folder / "out" / "landmarks.npz",
                                 AnalyzeOptions(slowmo_auto=True))
    return name, plain.report, auto.report


def _running_verdicts(report: dict) -> list[str]:
    bands = [e.band.to_dict() for e in REGISTRY.values() if e.band is not None]
    return [f["metric"] for f in report["findings"] if f.get("band") in bands]


def test_rendered_clips_activity_setting_and_slow_motion(rendered: tuple[str, dict, dict]
                                                         ) -> None:
    name, plain, auto = rendered
    setting = plain["view"]["evidence"]["setting"]
    if name == "runner_slowmo_2x":
        assert plain["activity"]["value"] == "run"
        assert plain["setting"]["value"] == "treadmill"
        assert plain["slowmo"]["suggested_total"] == 2.0
        assert not [f for f in plain["findings"] if f["metric"] in TIME_BASED]
        assert auto["slowmo"]["source"] == "auto" and auto["slowmo"]["factor"] == 2.0
        assert auto["metrics"]["cadence_spm"]["value"] == pytest.approx(170.0, rel=0.03)
        # The summary card leads with the suspected factor and the command to re-run.
        html = (Path(plain["video"]["path"]).parent / "out" / "report.html").read_text()
        summary = html[html.index('<section id="summary">'):html.index('id="metrics"')]
        assert summary.index("2× slow motion") < summary.index('class="tiles"')
        assert "--slowmo auto would apply it" in summary
        # The page names the file, not its folder (no --keep-paths).
        name = Path(plain["video"]["path"]).name
        assert f"gaitcheck analyze {name} --slowmo 2</code>" in summary
        # The cadence tile (85 steps/min on the file's clock) says nothing about a range.
        assert 'class="tile none" href="#m-cadence_spm"' in summary
        return
    # The walker turns round (no net travel) and the panning phone keeps the runner
    # still in the image: both are overground.
    assert plain["setting"]["value"] == "overground", setting
    assert setting["hip_travel_bh_per_s"] > 0.5 and setting["belt_share"] < 0.3
    expected = "walk" if name.startswith("walker") else "run"
    for report in (plain, auto):
        assert report["activity"]["value"] == expected, report["activity"]
        assert report["slowmo"]["source"] == "none"
        assert report["slowmo"]["suggested_total"] is None
        if expected == "walk":
            assert _running_verdicts(report) == []
    if name == "runner_panning_phone":
        assert setting["scene_motion"].startswith("background optical flow")


@pytest.fixture(scope="module")
def walking_woman(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Output folder of the shared walking clip analysed with up to 2 people (as the
    shared-clip tests track her, past the man jumping on the box)."""
    video = shared_video("walking_side_distractors.mp4")
    out = tmp_path_factory.mktemp("walking_woman")
    analyze_video(video, out, AnalyzeOptions(max_people=2, formats=()))
    return out


@pytest.mark.shared
def test_shared_walking_clip_is_an_overground_walk(walking_woman: Path) -> None:
    report = json.loads((walking_woman / "report.json").read_text())
    assert report["activity"]["value"] == "walk"
    assert report["activity"]["evidence"]["agree"] is True
    assert report["activity"]["evidence"]["duty_factor_pct"]["median"] > 55
    assert report["setting"]["value"] == "overground"
    setting = report["view"]["evidence"]["setting"]
    assert setting["hip_travel_bh_per_s"] > 0.5 and setting["belt_share"] < 0.3
    # The camera is on a tripod: the background barely moves.
    assert setting["scene_motion"].startswith("background optical flow")
    assert report["slowmo"]["suggested_total"] is None
    assert _running_verdicts(report) == []


@pytest.mark.shared
def test_shared_walking_clip_default_tracking_gives_no_verdict(tmp_path: Path) -> None:
    """With one person tracked the pose model follows the man jumping on the box: no
    travel, no belt, no regular steps. Nothing may be judged as a treadmill run."""
    video = shared_video("walking_side_distractors.mp4")
    report = analyze_video(video, tmp_path, AnalyzeOptions(formats=())).report
    assert report["setting"]["value"] != "treadmill", report["view"]["evidence"]["setting"]
    assert report["activity"]["value"] != "run"
    assert _running_verdicts(report) == []
    assert not [f for f in report["findings"] if f["metric"] in TIME_BASED]


@pytest.mark.shared
def test_cli_slowmo_auto_on_the_shared_walking_clip(walking_woman: Path, tmp_path: Path
                                                   ) -> None:
    """``--slowmo auto`` on a real-time walk applies nothing and says why; the
    terminal summary leads with the walking context."""
    out = tmp_path / "auto"
    result = CliRunner().invoke(app, ["analyze", "--landmarks",
                                      str(walking_woman / "landmarks.npz"), "--slowmo",
                                      "auto", "--out", str(out)])
    assert result.exit_code == 0, result.output
    report = json.loads((out / "report.json").read_text())
    assert report["slowmo"]["auto_requested"] is True
    assert report["slowmo"]["source"] == "none"
    assert report["slowmo"]["decision"]["reason"] == "the gait timing looks real-time"
    assert "walking ranges only" in " ".join(result.output.split())
    bad = CliRunner().invoke(app, ["analyze", "--landmarks",
                                   str(walking_woman / "landmarks.npz"), "--slowmo", "fast",
                                   "--out", str(tmp_path / "bad")])
    assert bad.exit_code == 2 and "--slowmo 'fast' is not a number" in bad.output

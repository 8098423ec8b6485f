"""Context before verdicts: which findings a recording allows, --slowmo auto, the lead.

Unit tests of the rules; the landmark-track sweeps are in test_context_synth.py and the
rendered and real clips in test_context_e2e.py.
"""

from __future__ import annotations

import pytest

from gaitcheck.events.model import EventSegment, GaitEvent, GaitEvents
from gaitcheck.events.slowmo_auto import (
    decide_slowmo,
    parse_slowmo,
    suspected_factor,
)
from gaitcheck.metrics.context import (
    TIME_BASED,
    FindingContext,
    finding_allowed,
    findings_allowed,
    judged_bands,
)
from gaitcheck.metrics.definitions import REGISTRY
from gaitcheck.metrics.findings import bands_for
from gaitcheck.metrics.result import Metric
from gaitcheck.report.context_lead import lead, rerun_command


def test_suspected_slow_motion_withholds_time_based_findings_only() -> None:
    ctx = FindingContext("run", 1.0, "side", slowmo_suspected=2.0)
    for key in TIME_BASED:
        assert "2× slow motion" in finding_allowed(ctx, key, band_based=key[0] != "a")
    assert finding_allowed(ctx, "trunk_lean_deg", band_based=True) is None
    assert finding_allowed(ctx, "asymmetry.knee_flexion_ic", band_based=False) is None
    assert finding_allowed(FindingContext("run", 1.0, "side"), "cadence_spm", True) is None


@pytest.mark.parametrize(("activity", "confidence", "view"), [
    (None, 0.0, "side"), ("run", 0.3, "side"), ("walk", 0.49, "side"), ("run", 1.0, "unknown"),
    ("run", 1.0, None)])
def test_unknown_activity_or_view_withholds_band_based_findings(
        activity: str | None, confidence: float, view: str | None) -> None:
    ctx = FindingContext(activity, confidence, view)
    assert ctx.band_activity is None or view not in ("side", "oblique", "front", "back")
    assert finding_allowed(ctx, "trunk_lean_deg", band_based=True) is not None
    assert finding_allowed(ctx, "asymmetry.knee_flexion_ic", band_based=False) is None
    assert "band_based" in findings_allowed(ctx)


def test_walking_gets_walking_bands_or_none_never_running_bands() -> None:
    metrics = {key: Metric(key, 1.0, entry.units[0], 1.0, ("side",))
               for key, entry in REGISTRY.items()}
    walking = {k: e.walking_band.to_dict() for k, e in REGISTRY.items()
               if e.walking_band is not None}
    running = {k: e.band.to_dict() for k, e in REGISTRY.items() if e.band is not None}
    assert running  # walking may have none: a band needs a published source
    walk = bands_for(metrics, "walk")
    assert set(walk) <= set(walking) and all(walk[k] == walking[k] for k in walk)
    assert not [k for k in walk if walk[k] == running.get(k)]
    assert bands_for(metrics, None) == {}
    assert bands_for(metrics, "run") == {k: running[k] for k in bands_for(metrics, "run")}
    assert bands_for(metrics, "run")  # running has its sourced bands


def _events(side_times: list[tuple[str, float]], to_after: float,
            activity: str | None, conf: float = 1.0) -> GaitEvents:
    contacts = tuple(GaitEvent(s, "IC", t, t * 30, 0.9) for s, t in side_times)  # type: ignore[arg-type]
    toes = tuple(GaitEvent(s, "TO", t + to_after, (t + to_after) * 30, 0.9)  # type: ignore[arg-type]
                 for s, t in side_times)
    end = side_times[-1][1] + 1.0
    return GaitEvents(contacts, toes, activity, conf, (), None,
                      (EventSegment(0, int(end * 30) + 1, 0.0, end, "left"),))


def _alternating(n: int, step_s: float) -> list[tuple[str, float]]:
    return [("left" if k % 2 == 0 else "right", 0.1 + k * step_s) for k in range(n)]


def test_auto_applies_a_clear_factor_and_explains_why() -> None:
    events = _events(_alternating(10, 0.7), 0.5, "run")  # 86 steps/min on the file clock
    assert events.cadence_spm == pytest.approx(85.7, abs=0.1)
    decision = decide_slowmo(events, "run", 1.0)
    assert decision.confident and decision.factor == 2.0
    assert "flight phase" in decision.reason and "2×" in decision.reason
    assert decision.evidence["factors_that_fit"] == [2]


@pytest.mark.parametrize(("activity", "conf", "n", "why"), [
    (None, 0.0, 10, "could not be told"), ("run", 0.3, 10, "could not be told"),
    ("run", 1.0, 4, "only 4 foot contacts")])
def test_auto_refuses_without_firm_evidence(activity: str | None, conf: float, n: int,
                                            why: str) -> None:
    events = _events(_alternating(n, 1.5), 1.0, activity, conf)  # 40 steps/min
    decision = decide_slowmo(events, activity, conf)
    assert decision.factor is not None and not decision.confident
    assert why in decision.reason


def test_auto_refuses_when_two_factors_fit_a_walk() -> None:
    # 35 steps/min: 2× (70) and 4× (140) are both possible walking cadences.
    events = _events(_alternating(10, 60 / 35), 1.2, "walk")
    decision = decide_slowmo(events, "walk", 1.0)
    assert not decision.confident and "2× and 4×" in decision.reason


def test_a_walking_cadence_of_unknown_activity_is_not_a_slowed_run() -> None:
    """The issue's walker: 97 steps/min is a normal walk, not 2× slow running."""
    events = _events(_alternating(8, 60 / 97), 0.8, None, 0.0)
    assert suspected_factor(events, None) is None
    assert suspected_factor(events, "run") == 2.0
    assert suspected_factor(events, "walk") is None
    slow = _events(_alternating(8, 60 / 40), 1.0, None, 0.0)  # impossible for any gait
    assert suspected_factor(slow, None) is not None


def test_parse_slowmo() -> None:
    assert parse_slowmo("auto") == (1.0, True)
    assert parse_slowmo(" AUTO ") == (1.0, True)
    assert parse_slowmo("8") == (8.0, False)
    assert parse_slowmo(2.5) == (2.5, False)
    assert parse_slowmo("fast") == ("fast", False)  # refused by the option checks


def _report(**sections: object) -> dict:
    base = {"video": {"path": "/clips/my run.mp4", "analysis_window": {"start_s": 2.0,
                                                                       "end_s": None}},
            "view": {"label": "side-left", "overridden": False},
            "setting": {"value": "treadmill", "overridden": True},
            "activity": {"value": "run"}}
    return base | sections


def test_rerun_command_keeps_the_window_and_user_settings_and_quotes_the_path() -> None:
    cmd = rerun_command(_report(), 4.0)
    assert cmd == "gaitcheck analyze '/clips/my run.mp4' --start 2 --treadmill --slowmo 4"


def test_lead_puts_suspected_slow_motion_first_with_the_command() -> None:
    report = _report(
        slowmo={"source": "none", "factor": 1.0, "suggested_total": 2.0,
                "decision": {"confident": True, "reason": "the feet show running"}},
        findings_context={"band_activity": "run",
                          "withheld": {"time_based": "the clip looks like 2× slow motion"}})
    items = lead(report)
    assert items[0]["kind"] == "slowmo" and items[0]["severity"] == "serious"
    assert "2× slow motion" in items[0]["text"] and "--slowmo auto" in items[0]["text"]
    assert items[0]["command"].endswith("--slowmo 2")


def test_lead_says_when_auto_applied_the_factor() -> None:
    report = _report(
        slowmo={"source": "auto", "factor": 4.0, "applied_auto_factor": 4.0,
                "suggested_total": None,
                "decision": {"confident": True, "reason": "the feet show walking"}},
        findings_context={"band_activity": "walk", "withheld": {}})
    kinds = [i["kind"] for i in lead(report)]
    assert kinds == ["slowmo_applied", "activity"]
    assert "4× was detected and applied" in lead(report)[0]["text"]
    assert "walking ranges only" in lead(report)[1]["text"]


def test_suspected_slow_motion_drops_the_bands_of_time_based_metrics() -> None:
    bands = {"cadence_spm": {"low": 160}, "trunk_lean_deg": {"low": 3}}
    slowed = FindingContext("run", 1.0, "side", slowmo_suspected=2.0)
    assert judged_bands(bands, slowed) == {"trunk_lean_deg": {"low": 3}}
    assert judged_bands(bands, FindingContext("run", 1.0, "side")) == bands


def test_batch_manifest_and_option_accept_slowmo_auto(tmp_path) -> None:
    from typer.testing import CliRunner

    from gaitcheck.batch.inputs import read_manifest
    from gaitcheck.batch.jobs import effective_options, settings_hash
    from gaitcheck.cli.app import app

    manifest = tmp_path / "m.csv"
    manifest.write_text("video,slowmo\na.mp4,auto\nb.mp4,4\nc.mp4,\n", encoding="utf-8")
    a, b, c = read_manifest(manifest)
    assert a.overrides == {"slowmo_auto": True}
    assert b.overrides == {"slowmo_auto": False, "slowmo": 4.0}
    assert c.overrides == {}
    batch_wide = {"slowmo_auto": True}
    assert effective_options(batch_wide, a.overrides)["slowmo_auto"] is True
    assert effective_options(batch_wide, b.overrides)["slowmo_auto"] is False  # 4 wins
    assert settings_hash(effective_options({}, a.overrides)) != settings_hash(
        effective_options({}, c.overrides))  # switching auto on redoes the video
    result = CliRunner().invoke(app, ["batch", str(manifest), "--out", str(tmp_path / "o"),
                                      "--slowmo", "sometimes"])
    assert result.exit_code == 2 and "--slowmo 'sometimes' is not a number" in result.output

"""Algorithm settings are frozen dataclasses: documented, recorded, and they take effect."""

from __future__ import annotations

import dataclasses
import inspect
import json
import re

import pytest

from gaitcheck.analysis import analyze_tracks
from gaitcheck.events import EventSettings, detect_gait_events
from gaitcheck.tracks import CleaningSettings
from gaitcheck.tracks.clean import clean_tracks
from helpers import synthetic_tracks

SETTINGS = (EventSettings, CleaningSettings)


def documented_names(cls: type) -> set[str]:
    """Names listed in the numpydoc ``Parameters`` or ``Attributes`` section of the class
    docstring (``name : type`` lines, ``a, b : type`` counting both)."""
    doc = inspect.cleandoc(cls.__doc__ or "")
    names: set[str] = set()
    for section in re.finditer(r"^(?:Parameters|Attributes)\n-+\n(.*?)(?=^\S.*\n-+\n|\Z)", doc,
                               re.S | re.M):
        for line in section.group(1).splitlines():
            m = re.match(r"^(\w+(?:, \w+)*) :", line)
            if m:
                names.update(n.strip() for n in m.group(1).split(","))
    return names


@pytest.mark.parametrize("cls", SETTINGS)
def test_every_field_is_documented(cls: type) -> None:
    fields = {f.name for f in dataclasses.fields(cls)}
    assert fields - documented_names(cls) == set(), "undocumented fields"
    assert documented_names(cls) - fields == set(), "documented names that are no field"


def test_the_docstring_check_can_fail() -> None:
    @dataclasses.dataclass(frozen=True)
    class Half:
        """Example.

        Parameters
        ----------
        a : float
            Documented.
        """

        a: float = 1.0
        b: float = 2.0

    assert documented_names(Half) == {"a"}


def test_defaults_are_the_validated_values() -> None:
    """The constants the detector and the cleaning were validated with (before they
    became settings): a change here changes every report."""
    e = EventSettings()
    assert (e.max_gap_s, e.turn_margin_s, e.min_segment_s, e.min_contacts) == (0.1, 0.5, 1.0, 3)
    assert (e.min_confidence, e.min_step_fraction, e.same_foot_steps) == (0.15, 0.55, 1.5)
    assert e.duty_bounds("run") == (0.12, 0.6) and e.duty_bounds("walk") == (0.4, 0.85)
    assert e.duty_bounds(None) == (0.12, 0.85)
    assert (e.min_step_s("run"), e.min_step_s("walk"), e.min_step_s(None)) == (0.2, 0.3, 0.2)
    assert (e.visibility_guess, e.visibility_seen, e.vertical_snr) == (0.75, 0.95, 3.0)
    assert (e.belt_fraction, e.min_ground_band) == (0.7, 0.004)
    assert (e.leg_swap_switch_cost, e.leg_swap_prior, e.facing_threshold,
            e.foot_outlier_tolerance) == (0.05, 0.02, 0.06, 0.08)
    c = CleaningSettings()
    assert (c.min_visibility, c.max_gap_ms) == (0.2, 250.0)
    assert (c.hampel_half_window_ms, c.hampel_n_sigma, c.hampel_min_sigma) == (100.0, 3.0, 0.006)
    assert (c.cutoff_hz("run"), c.cutoff_hz("walk"), c.cutoff_hz(None)) == (12.0, 6.0, 12.0)
    assert (c.max_cutoff_fps_fraction, c.filter_order, c.min_filter_segment) == (0.4, 2, 10)
    assert (c.swap_prior, c.swap_switch_cost, c.swap_cap, c.max_anchor_gap) == (0.02, 0.3,
                                                                                 0.3, 4)
    assert (c.far_foot_collapse_ratio, c.far_foot_max_reach) == (0.5, 1.5)


@pytest.mark.parametrize("cls", SETTINGS)
def test_frozen_and_json_round_trip(cls: type) -> None:
    settings = cls()
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.min_visibility = 0.5  # type: ignore[attr-defined]
    data = json.loads(json.dumps(settings.to_dict()))
    assert cls.from_dict(data) == settings
    assert cls.from_dict({**data, "from_a_newer_version": 1}) == settings
    assert cls.from_dict({}) == settings


@pytest.fixture(scope="module")
def run():
    return synthetic_tracks("side-left", duration_s=6.0)


def test_report_records_the_parameters(run) -> None:
    _, tracks = run
    strict = EventSettings(min_confidence=0.5)
    soft = CleaningSettings(cutoff_run_hz=8.0)
    a = analyze_tracks(tracks, event_settings=strict, cleaning_settings=soft)
    params = json.loads(json.dumps(a.report_sections()))["analysis"]["parameters"]
    assert EventSettings.from_dict(params["events"]) == strict
    assert CleaningSettings.from_dict(params["cleaning"]) == soft
    assert a.cleaning["cutoff_hz"] == pytest.approx(8.0)
    default = analyze_tracks(tracks).report_sections()["analysis"]["parameters"]
    assert default == {"events": EventSettings().to_dict(),
                       "cleaning": CleaningSettings().to_dict()}


def test_settings_take_effect(run) -> None:
    _, tracks = run
    assert len(detect_gait_events(tracks, "left").contacts) >= 10
    picky = detect_gait_events(tracks, "left", settings=EventSettings(min_contacts=1000))
    assert not picky.contacts and any(w.code == "too_few_contacts" for w in picky.warnings)
    # The keyword overrides of clean_tracks are settings too.
    res = clean_tracks(tracks, "run", min_visibility=0.5)
    assert res.report["settings"]["min_visibility"] == 0.5
    res = clean_tracks(tracks, "run", settings=CleaningSettings(max_gap_ms=100.0))
    assert res.report["settings"]["max_gap_ms"] == 100.0

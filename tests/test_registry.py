"""The metric registry is the one list of metrics: the analysis emits exactly its metrics,
in their valid views, and every consumer (reports, summaries, checks, truth) follows it."""

from __future__ import annotations

import re

import numpy as np
import pytest

from gaitcheck.analysis import analyze_tracks
from gaitcheck.batch.summary import METRIC_COLUMNS
from gaitcheck.cli.summary import KEY_METRICS
from gaitcheck.metrics.checks import PLAUSIBLE
from gaitcheck.metrics.definitions import (
    CUES,
    GROUPS,
    HEADLINE,
    REGISTRY,
    SYMMETRY_INDICES,
    SYMMETRY_SOURCES,
    in_group,
)
from gaitcheck.metrics.sagittal import per_stance_values
from gaitcheck.metrics.sagittal_frame import sagittal_frame
from gaitcheck.report.compare import ORDER
from gaitcheck.report.csv_report import CONTACT_COLUMNS, METRIC_ORDER, PER_CONTACT
from gaitcheck.report.html import SUMMARY_KEYS
from gaitcheck.report.html_metrics import GROUPS as HTML_GROUPS
from gaitcheck.synth.truth import true_metrics
from helpers import synthetic_tracks

VIEWS = ("side-left", "side-right", "front", "back")


@pytest.fixture(scope="module")
def emitted() -> dict[str, dict]:
    """``report.json``-style metrics of a synthetic runner in every view (no pose
    model: the exact projection of the synthetic body)."""
    out = {}
    for view in VIEWS:
        _, tracks = synthetic_tracks(view, duration_s=5.0)
        out[view] = analyze_tracks(tracks).metrics
    return out


@pytest.mark.parametrize("view", VIEWS)
def test_every_emitted_metric_is_registered(emitted: dict, view: str) -> None:
    metrics = emitted[view]
    assert set(metrics) <= set(REGISTRY), set(metrics) - set(REGISTRY)
    plane = view.split("-")[0]
    for key, m in metrics.items():
        entry = REGISTRY[key]
        assert m.valid_for_view == entry.valid_views, key
        assert m.unit in entry.units, key
        # Measured only in the registry's views; elsewhere explicitly not measurable.
        assert not m.measurable or plane in entry.valid_views, (view, key)
        if m.measurable:
            assert (m.per_side is not None) == entry.per_side, key


def test_every_registered_metric_is_emitted_in_some_view(emitted: dict) -> None:
    seen = set().union(*(set(m) for m in emitted.values()))
    assert seen == set(REGISTRY)
    for key, entry in REGISTRY.items():
        measured = {v.split("-")[0] for v, m in emitted.items()
                    if key in m and m[key].measurable}
        assert measured and measured <= set(entry.valid_views), key


def test_per_contact_metrics_have_one_value_per_contact() -> None:
    from test_metrics import true_events

    from gaitcheck.metrics.analyze import pair_stances

    motion, tracks = synthetic_tracks("side-left", duration_s=5.0)
    stances = pair_stances(*true_events(motion, 30.0))
    per = per_stance_values(sagittal_frame(tracks, "left", "left", stances))
    for key, entry in REGISTRY.items():
        if entry.per_contact:
            for side in ("left", "right"):
                assert len(per[key][side]) == sum(s.side == side for s in stances), key


def test_consumers_derive_their_lists_from_the_registry() -> None:
    keys = tuple(REGISTRY)
    assert keys == METRIC_ORDER and keys == ORDER
    assert tuple(k for _, group in HTML_GROUPS for k in group) == keys
    assert tuple(g for g, _ in HTML_GROUPS) == GROUPS
    assert tuple(k for g in GROUPS for k in in_group(g)) == keys
    assert SUMMARY_KEYS == HEADLINE == tuple(k for k, _, _ in KEY_METRICS)
    assert [c for c in METRIC_COLUMNS if c in REGISTRY] == list(HEADLINE)
    assert set(PLAUSIBLE) == set(REGISTRY)
    assert tuple((k, e.csv_columns[0]) for k, e in REGISTRY.items()
                                if e.per_contact) == PER_CONTACT
    assert set(CONTACT_COLUMNS) >= {column for _, column in PER_CONTACT}
    assert set(SYMMETRY_SOURCES.values()) <= set(REGISTRY)


def test_entries_are_complete_and_consistent() -> None:
    columns = [c for e in REGISTRY.values() for c in e.csv_columns]
    assert len(columns) == len(set(columns))
    for key, e in REGISTRY.items():
        assert e.key == key and e.label and e.landmarks and e.sign and e.reference
        assert e.group in GROUPS and e.valid_views
        assert set(e.valid_views) <= {"side", "front", "back"}
        assert len(e.csv_columns) == len(e.units) >= 1
        assert e.plausible[0] < e.plausible[1]
        assert e.above_band_severity in ("mild", "moderate")
        for band in (e.band, e.walking_band):
            if band is not None:
                assert band.unit in (None, *e.units), key
                for bound in (band.low, band.high):
                    assert bound is None or e.plausible[0] <= bound <= e.plausible[1], key
        # Every metric has a systematic floor, measured or a documented fallback.
        assert e.uncertainty_floor is not None and e.uncertainty_floor > 0, key
        assert e.floor_origin in ("measured", "fallback"), key
        # Every band cites a published source with a DOI; none points into the repo.
        for band in (e.band, e.walking_band):
            if band is not None:
                assert "doi:10." in band.source, key
                assert "README" not in band.source and "shared" not in band.source
        if e.cue is not None:
            assert "coach" in e.cue or "physiotherapist" in e.cue, key


#: Text that would point a reader into this repository instead of a publication.
REPO_POINTERS = re.compile(r"README|shared/|tests/|gaitcheck/|\.py\b|\.json\b|\.md\b")


def test_bands_cues_and_notes_cite_publications() -> None:
    """Issue 15 items 5-6: a band cites authors, year, journal and DOI; a metric without a
    band says why (the sources checked); a cue cites its source or says there is none;
    none of these texts points into the repository."""
    for key, e in REGISTRY.items():
        texts = [e.reference, e.cue or "", e.band_note or ""]
        for band in (e.band, e.walking_band):
            if band is not None:
                texts.append(band.source)
                assert re.search(r"[A-Z][a-z]+.* (19|20)\d\d, .+ \d+:\d+", band.source), key
                assert "doi:10." in band.source, key
        for text in texts:
            assert not REPO_POINTERS.search(text), (key, text)
        # Exactly the metrics without a running band carry the reason.
        assert (e.band is None) == (e.band_note is not None), key
        if e.cue is not None:
            assert "doi:10." in e.cue or "PMID" in e.cue or "no published trial" in e.cue, key
    for key in ("head_forward_deg", "overstride_pct"):
        note = REGISTRY[key].band_note
        assert note is not None and "doi:10." in note, key
    assert set(CUES) - set(REGISTRY) <= {"asymmetry"}
    # A cue goes with a finding: a metric with a band, the crossover definition or an
    # asymmetry.
    assert all(REGISTRY[k].band is not None or k == "arm_crossover"
               for k in CUES if k in REGISTRY)


def test_synthetic_truth_covers_the_registry() -> None:
    from gaitcheck.synth.kinematics import generate_motion
    from gaitcheck.synth.params import GaitParams

    truth = true_metrics(generate_motion(GaitParams(duration_s=5.0)))
    names = {k for k in truth if k != "asymmetry"}
    # A metric whose unit depends on the input is given in each of its units, under
    # its CSV column names (vertical_oscillation_cm, vertical_oscillation_pct_leg).
    covered = {k for k, e in REGISTRY.items()
               if k in names or (set(e.csv_columns) <= names and len(e.units) > 1)}
    assert covered == set(REGISTRY)
    allowed = set(REGISTRY) | {c for e in REGISTRY.values() for c in e.csv_columns}
    assert names <= allowed, names - allowed
    assert list(truth["asymmetry"]) == [si.name for si in SYMMETRY_INDICES]
    for key in ("knee_flexion_peak_stance_deg", "hip_extension_to_deg", "elbow_angle_deg"):
        assert np.isfinite(truth[key]["value"]), key

"""benchmarks/report_diff.py: the before/after check of report.json files."""

from __future__ import annotations

import copy
import json
from pathlib import Path

from helpers import REPO, load_script


def _report_diff():
    return load_script(REPO / "benchmarks" / "report_diff.py")


REPORT = {"generator": {"name": "gaitcheck", "version": "0.1.0", "created_utc": "t0"},
          "video": {"path": "/a/run.mp4", "fps": 30.0},
          "metrics": {"cadence_spm": {"value": 170.0, "measurable": True},
                      "asymmetry": {"step_time": {"si_pct": 1.5}}},
          "findings": [{"metric": "cadence_spm"}], "files": {"html": "report.html"}}


def test_run_fields_are_ignored_and_key_order_does_not_matter() -> None:
    rd = _report_diff()
    other = copy.deepcopy(REPORT)
    other["generator"] |= {"version": "0.2.0", "created_utc": "t1"}
    other["video"]["path"] = "/b/run.mp4"
    other["files"] = {}
    other["metrics"] = dict(reversed(list(other["metrics"].items())))
    assert rd.differences(REPORT, other) == []


def test_every_analysis_difference_is_listed(tmp_path: Path, capsys) -> None:
    rd = _report_diff()
    other = copy.deepcopy(REPORT)
    other["metrics"]["cadence_spm"]["value"] = 170.001
    other["metrics"]["cadence_spm"]["measurable"] = 1  # same value, other type
    del other["metrics"]["asymmetry"]["step_time"]
    other["findings"].append({"metric": "x"})
    found = rd.differences(REPORT, other)
    assert [f.split(":")[0] for f in found] == [
        "metrics.cadence_spm.value", "metrics.cadence_spm.measurable",
        "metrics.asymmetry.step_time", "findings"]
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.write_text(json.dumps(REPORT))
    b.write_text(json.dumps(other))
    assert rd.main([str(a), str(b)]) == 1
    assert rd.main([str(a), str(a)]) == 0
    assert rd.main([str(a), str(b), "--ignore", "metrics", "--ignore", "findings"]) == 0
    assert rd.main([str(a), str(tmp_path / "missing.json")]) == 2
    assert "metrics.cadence_spm.value: 170.0 vs 170.001" in capsys.readouterr().out

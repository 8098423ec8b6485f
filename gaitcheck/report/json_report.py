"""The ``report.json`` contract.

Other tools read this file, so its keys are versioned by :data:`SCHEMA_VERSION`:
adding keys bumps the minor number, renaming or removing keys bumps the major number.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
from pathlib import Path
from typing import Any

from gaitcheck import __version__
from gaitcheck.fsio import write_text_atomic
from gaitcheck.tracks.tracks import LandmarkTracks

SCHEMA_VERSION = "1.5"


def _clean(value: Any) -> Any:
    """Replace NaN/inf by ``None`` recursively so the JSON is standard."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


def build_report(
    tracks: LandmarkTracks,
    quality: dict[str, Any],
    files: dict[str, str],
    analysis: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Assemble the report dictionary.

    Parameters
    ----------
    tracks : LandmarkTracks
        The analysed subject's tracks (video metadata and provenance come from here).
    quality : dict
        Output of :func:`gaitcheck.tracks.quality.assess_quality`.
    files : dict
        Output files written next to the report, by role, as paths relative to it.
    analysis : dict, optional
        Sections from :meth:`gaitcheck.analysis.Analysis.report_sections` (``view``,
        ``setting``, ``activity``, ``events``, ``metrics``, ``findings`` ...).
    """
    video = tracks.video.to_dict()
    window = tracks.source.get("window", {})
    video["analysis_window"] = {
        "start_s": window.get("start_s"),
        "end_s": window.get("end_s"),
        "first_frame": int(tracks.frame_index[0]) if tracks.n_frames else None,
        "last_frame": int(tracks.frame_index[-1]) if tracks.n_frames else None,
        "stride": window.get("stride", 1),
        "analysis_fps": window.get("analysis_fps"),
    }
    # Decoding and image statistics describe the input, not the pose model.
    input_keys = ("decoding", "image_stats")
    pose = {k: v for k, v in tracks.source.items()
            if k not in ("window", "quality_inputs", *input_keys)}
    quality = dict(quality) | {k: tracks.source[k] for k in input_keys
                               if k in tracks.source and k not in quality}
    return _clean({
        "schema_version": SCHEMA_VERSION,
        "generator": {"name": "gaitcheck", "version": __version__,
                      "created_utc": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")},
        "video": video,
        "pose": pose,
        "quality": quality,
        **(analysis or {}),
        "files": files,
    })


def write_report(report: dict[str, Any], path: Path) -> Path:
    """Write ``report`` as indented UTF-8 JSON, atomically."""
    return write_text_atomic(Path(path), json.dumps(report, indent=2, allow_nan=False) + "\n")


#: Sections that are objects (or absent) in every schema version, and the list ones.
_OBJECT_SECTIONS = ("generator", "video", "pose", "quality", "view", "setting", "activity",
                    "events", "metrics", "reference_bands", "analysis", "files")
_LIST_SECTIONS = ("findings",)
_STAT_KEYS = ("mean", "median", "sd", "n")


class ReportFormatError(ValueError):
    """A ``report.json`` whose content does not follow the schema; the message says
    where (``metrics.cadence_spm.value``) and what is wrong."""


def _number(value: Any, where: str, required: bool = False) -> None:
    if value is None and not required:
        return
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ReportFormatError(f"{where} is {json.dumps(value)[:40]}, not a number")
    if not math.isfinite(value):
        raise ReportFormatError(f"{where} is {value}, not a finite number")


def _object(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ReportFormatError(f"{where} is {json.dumps(value)[:40]}, not an object")
    return value


def _list(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise ReportFormatError(f"{where} is {json.dumps(value)[:40]}, not a list")
    return value


def _check_metric(metric: Any, where: str) -> None:
    metric = _object(metric, where)
    for key in ("value", "confidence"):
        _number(metric.get(key), f"{where}.{key}")
    for side, stats in _object(metric.get("per_side") or {}, f"{where}.per_side").items():
        stats = _object(stats, f"{where}.per_side.{side}")
        for key in _STAT_KEYS:
            _number(stats.get(key), f"{where}.per_side.{side}.{key}")
        for i, v in enumerate(_list(stats.get("per_stride") or [],
                                    f"{where}.per_side.{side}.per_stride")):
            _number(v, f"{where}.per_side.{side}.per_stride[{i}]")


def check_report(report: dict[str, Any]) -> None:
    """Check that a loaded ``report.json`` has the types every reader relies on, so a
    damaged or hand-edited file is refused before anything is rendered or rewritten.

    Checked: section types (null where an object or list belongs), every metric's
    ``value``, ``confidence`` and per-side statistics, the asymmetry indices, the
    events' ``time_s``, ``frame`` and ``side``, and the video's numeric fields. Absent
    keys are allowed (older schema versions lack some).

    Raises
    ------
    ReportFormatError
        The first problem found, with its path in the file.
    """
    for key in _OBJECT_SECTIONS:
        if key in report:
            _object(report[key], key)
    for key in _LIST_SECTIONS:
        if key in report:
            for i, item in enumerate(_list(report[key], key)):
                _object(item, f"{key}[{i}]")
    video = report.get("video") or {}
    for key in ("fps", "frame_count", "duration_s", "width", "height", "capture_fps"):
        _number(video.get(key), f"video.{key}")
    for kind in ("contacts", "toe_offs"):
        events = _list((report.get("events") or {}).get(kind, []), f"events.{kind}")
        for i, event in enumerate(events):
            where = f"events.{kind}[{i}]"
            event = _object(event, where)
            _number(event.get("time_s"), f"{where}.time_s", required=True)
            _number(event.get("frame"), f"{where}.frame", required=True)
            if event.get("side") not in ("left", "right"):
                raise ReportFormatError(f"{where}.side is {json.dumps(event.get('side'))}, "
                                        "not \"left\" or \"right\"")
    for key, metric in (report.get("metrics") or {}).items():
        if key != "asymmetry":
            _check_metric(metric, f"metrics.{key}")
            continue
        for name, pair in _object(metric, "metrics.asymmetry").items():
            pair = _object(pair, f"metrics.asymmetry.{name}")
            for part in ("si_pct", "left", "right", "confidence"):
                _number(pair.get(part), f"metrics.asymmetry.{name}.{part}")
    warnings = (report.get("quality") or {}).get("warnings", [])
    for i, warning in enumerate(_list(warnings, "quality.warnings")):
        _object(warning, f"quality.warnings[{i}]")

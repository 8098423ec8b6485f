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
    # The scene's per-frame motion stays with the landmarks (its summary is in the
    # setting's evidence).
    pose = {k: v for k, v in tracks.source.items()
            if k not in ("window", "quality_inputs", "scene_motion", *input_keys)}
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

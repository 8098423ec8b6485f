"""The result of one analysis as a Python object: what ``gaitcheck.analyze`` returns and
what every report writer renders.

A result is the ``report.json`` content plus the tracks it was computed from. The cleaned
tracks and per-frame angle series are derived deterministically, so a saved folder
(``report.json`` + ``landmarks.npz``) reloads into the same object without running pose.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from gaitcheck.errors import InputError
from gaitcheck.filenames import LANDMARKS_NPZ, REPORT_NAME
from gaitcheck.metrics.curves import frame_angles
from gaitcheck.report.json_report import ReportFormatError, check_report
from gaitcheck.staging import recover
from gaitcheck.tracks.clean import clean_tracks
from gaitcheck.tracks.facing import apply_one_way
from gaitcheck.tracks.io import load_tracks
from gaitcheck.tracks.settings import CleaningSettings
from gaitcheck.tracks.tracks import LandmarkTracks
from gaitcheck.tracks.warnings import severity_of


@dataclass(frozen=True)
class GaitResult:
    """One analysed video (or landmark file).

    Attributes
    ----------
    report : dict
        The ``report.json`` content (schema in README).
    tracks : LandmarkTracks
        The subject's landmark tracks as the pose model gave them.
    out_dir : Path, optional
        Folder the result was written to or loaded from.
    """

    report: dict[str, Any]
    tracks: LandmarkTracks
    out_dir: Path | None = None

    # -- the report's main sections -------------------------------------------------
    @property
    def metrics(self) -> dict[str, Any]:
        """Metrics keyed like ``report.json`` (``value``, ``unit``, ``per_side`` ...)."""
        return self.report.get("metrics", {})

    @property
    def events(self) -> dict[str, Any]:
        """Gait events: ``contacts`` and ``toe_offs`` (time_s, frame, side, ...)."""
        return self.report.get("events", {"contacts": [], "toe_offs": []})

    @property
    def findings(self) -> list[dict[str, Any]]:
        """Plain-language findings (``metric``, ``severity``, ``message``), worst first."""
        return list(self.report.get("findings", []))

    @property
    def view(self) -> str | None:
        """Camera view: "side", "oblique", "front", "back" or None."""
        return (self.report.get("view") or {}).get("value")

    @property
    def facing(self) -> str | None:
        """Direction the subject faces in side views ("left" or "right")."""
        return (self.report.get("view") or {}).get("facing")

    @property
    def activity(self) -> str | None:
        """"run", "walk" or None."""
        return (self.report.get("activity") or {}).get("value")

    @property
    def warnings(self) -> list[dict[str, str]]:
        """Data-quality and gait-event warnings (``code``, ``severity``, ``message``);
        a report from before schema 1.4 has no severities and gets "caution"."""
        out = []
        for w in (self.report.get("quality") or {}).get("warnings", []):
            item = {"code": w.get("code"), "severity": severity_of(w)}
            item.update((k, v) for k, v in w.items() if k not in item)
            out.append(item)
        return out

    def value(self, key: str) -> float | None:
        """Shortcut: ``metrics[key]["value"]`` or None."""
        return (self.metrics.get(key) or {}).get("value")

    # -- derived data -----------------------------------------------------------------
    @cached_property
    def cleaned(self) -> LandmarkTracks:
        """Tracks after gap filling, swap repair and zero-lag low-pass filtering, with the
        cleaning settings the report records (the defaults for reports before 1.5)."""
        params = ((self.report.get("analysis") or {}).get("parameters") or {}).get("cleaning")
        settings = CleaningSettings.from_dict(params) if isinstance(params, dict) else None
        return clean_tracks(self.tracks, self.activity, settings=settings).tracks

    @cached_property
    def angles(self) -> dict[str, np.ndarray]:
        """Per-frame angle series (see :func:`gaitcheck.metrics.curves.frame_angles`)."""
        frame = (self.report.get("analysis") or {}).get("frame") or {}
        # A subject who turns round: the angles are read on the tracks the metrics
        # used, the return mirrored, so both legs of the trip read forward alike.
        one_way = frame.get("one_way") if self.view in ("side", "oblique") else None
        return frame_angles(apply_one_way(self.cleaned, one_way), self.view, self.facing,
                            float(frame.get("ground_angle_deg") or 0.0))

    def row_of_frame(self, frame: float) -> float:
        """Row of the track arrays at a (fractional) video frame number."""
        idx = self.tracks.frame_index.astype(float)
        return float(np.interp(frame, idx, np.arange(len(idx), dtype=float)))

    def contact_rows(self, side: str) -> list[float]:
        """Track rows of the initial contacts of ``side`` ("left"/"right"), in order."""
        return [self.row_of_frame(c["frame"]) for c in self.events.get("contacts", [])
                if c.get("side") == side]

    # -- output -----------------------------------------------------------------------
    @classmethod
    def with_cleaned(cls, report: dict[str, Any], tracks: LandmarkTracks,
                     cleaned: LandmarkTracks | None) -> GaitResult:
        """A result whose cleaned tracks are already known (the analysis made them), so
        the writers do not clean the tracks a second time."""
        result = cls(report, tracks)
        if cleaned is not None:
            result.__dict__["cleaned"] = cleaned  # fills the cached_property
        return result

    def at(self, out_dir: Path) -> GaitResult:
        """The same result, located in ``out_dir``; derived data is kept."""
        moved = replace(self, out_dir=out_dir)
        moved.__dict__.update({k: v for k, v in self.__dict__.items()
                               if k in ("cleaned", "angles")})
        return moved

    def to_json(self, indent: int | None = 2) -> str:
        """The report as JSON text (exactly what ``report.json`` holds)."""
        return json.dumps(self.report, indent=indent, allow_nan=False)

    def save(self, out_dir: str | Path, formats: tuple[str, ...] | None = None) -> Path:
        """Write the landmarks, every report format and ``report.json`` (last) into
        ``out_dir``; returns the folder. ``formats`` as in
        :func:`gaitcheck.report.write_reports` (default: all but the annotated video)."""
        from gaitcheck.report.writers import save_result

        return save_result(self, Path(out_dir), formats)


def read_report(path: str | Path) -> tuple[dict[str, Any], Path]:
    """``report.json`` from an analysis folder or the file itself.

    Returns
    -------
    report : dict
    report_path : Path
        Resolved path of the file read.

    Raises
    ------
    InputError
        Missing, unreadable or not a gaitcheck report.
    """
    p = Path(path).expanduser()
    # A run killed while swapping folders is finished (or undone) before reading.
    recover(p.parent if p.suffix.lower() == ".json" else p)
    report_path = p / REPORT_NAME if p.is_dir() else p
    if not report_path.is_file():
        raise InputError(f"no {REPORT_NAME} in {p}" if p.is_dir() else f"{p} does not exist")
    try:
        report = json.loads(report_path.read_text(encoding="utf-8"),
                            parse_constant=_non_finite)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise InputError(f"{report_path} is not a readable report.json ({err})") from None
    except ReportFormatError as err:
        raise InputError(f"{report_path} holds {err}, which gaitcheck never writes: the "
                         "file was edited or damaged; analyse the video again") from None
    if not isinstance(report, dict) or "schema_version" not in report:
        raise InputError(f"{report_path} is not a gaitcheck report.json")
    try:
        check_report(report)
    except ReportFormatError as err:
        raise InputError(f"{report_path} is damaged: {err}; analyse the video again "
                         "(nothing was changed)") from None
    return report, report_path.resolve()


def _non_finite(name: str) -> Any:
    raise ReportFormatError(name)


def load_result(path: str | Path) -> GaitResult:
    """Load a saved analysis from its folder or its ``report.json``.

    Raises
    ------
    InputError
        No readable report, or its landmark file is missing.
    """
    report, report_path = read_report(path)
    name = (report.get("files") or {}).get("landmarks_npz", LANDMARKS_NPZ)
    landmarks = report_path.parent / name
    if not landmarks.is_file():
        raise InputError(f"{landmarks} is missing: it holds the tracks the report was made from")
    return GaitResult(report, load_tracks(landmarks), report_path.parent)

"""Spreadsheet tables of one analysis: per frame, per initial contact, and a summary.

Every file opens cleanly in Excel, LibreOffice and pandas alike: UTF-8 with a byte-order
mark (without it Excel guesses a legacy code page), comma-separated, ``\\r\\n`` line ends
(RFC 4180), one header row whose column names carry the unit (``_deg``, ``_ms``,
``_px`` ...), a fixed number of decimals per column, and empty cells, never ``nan``, for
missing values. Booleans are ``1``/``0``. Column order is fixed for a given view, so
tables of several runners can be stacked.

Values are taken from ``report.json`` (rounded as there) and from the per-frame angle
series of :mod:`gaitcheck.metrics.curves`, so the tables and the report always agree.
"""

from __future__ import annotations

import bisect
import csv
import math
import re
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from gaitcheck.fsio import atomic_writer
from gaitcheck.landmarks import LANDMARK_NAMES
from gaitcheck.metrics.curves import FRONTAL_SERIES, SAGITTAL_SERIES
from gaitcheck.metrics.definitions import REGISTRY, SYMMETRY_SOURCES
from gaitcheck.sides import SIDES
from gaitcheck.tracks.io import CSV_BLOCK, format_rows

if TYPE_CHECKING:
    from gaitcheck.result import GaitResult

FRAMES_CSV, CONTACTS_CSV, METRICS_CSV = "frames.csv", "contacts.csv", "metrics_summary.csv"

#: Metrics in the order of the summary table (the registry's display order); others a
#: report may hold follow, sorted.
METRIC_ORDER = tuple(REGISTRY)
#: Column-name suffix of each unit ``report.json`` uses, for metrics not in the registry.
UNIT_SUFFIX = {"steps/min": "spm", "ms": "ms", "deg": "deg", "%": "pct", "cm": "cm",
               "% leg length": "pct_leg", "fraction of shoulder width": "frac_shoulder_width"}
#: Symmetry indices (``metrics.asymmetry``) in the summary, as ``asymmetry_<name>_si_pct``.
ASYMMETRY_ORDER = tuple(SYMMETRY_SOURCES)
#: Per-contact metrics (``MetricDefinition.per_contact``): their ``per_side.<side>.
#: per_stride`` lists hold one value per contact of that side, in time order (the
#: side-view analyzer appends exactly one per stance), with their contacts.csv column.
#: Other per-stride lists skip contacts (no toe-off, no next step) and cannot be matched
#: to a contact exactly.
PER_CONTACT = tuple((k, e.csv_columns[0]) for k, e in REGISTRY.items() if e.per_contact)

CONTACT_COLUMNS = ("contact", "time_s", "frame", "side", "strike", "strike_inferred",
                   "foot_angle_deg", "confidence", "toe_off_time_s", "toe_off_frame",
                   "contact_ms", *(col for _, col in PER_CONTACT))


def write_csvs(result: GaitResult, out_dir: Path) -> dict[str, str]:
    """Write ``frames.csv``, ``contacts.csv`` and ``metrics_summary.csv``.

    Parameters
    ----------
    result : GaitResult
        The analysis to tabulate.
    out_dir : Path
        Existing output folder; each file is written atomically.

    Returns
    -------
    dict
        ``frames_csv``, ``contacts_csv``, ``metrics_csv``: file names relative to
        ``out_dir``.
    """
    out = Path(out_dir)
    _write(out / FRAMES_CSV, *frames_table(result), text=True)
    _write(out / CONTACTS_CSV, list(CONTACT_COLUMNS), contacts_rows(result))
    _write(out / METRICS_CSV, *summary_table(result))
    return {"frames_csv": FRAMES_CSV, "contacts_csv": CONTACTS_CSV, "metrics_csv": METRICS_CSV}


def _cell(value: Any, digits: int) -> str:
    """Fixed-decimal text of a number; empty for None, NaN, inf and non-numbers."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if not isinstance(value, int | float) or not math.isfinite(value):
        return ""
    return f"{value:.{digits}f}"


def _write(path: Path, header: Sequence[str], rows: Iterable[Sequence[str]] | Iterable[str],
           text: bool = False) -> None:
    """A UTF-8 CSV with a byte-order mark (Excel), ``\\r\\n`` line ends; ``rows`` are
    cell lists, or with ``text`` blocks of ready CSV lines."""
    with atomic_writer(path, "w") as handle:
        handle.write("\ufeff")
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(header)
        if text:
            handle.writelines(rows)  # type: ignore[arg-type]
        else:
            writer.writerows(rows)


def angle_columns(angles: dict[str, Any]) -> list[str]:
    """Angle series names in table order: trunk, head, then each joint left and right
    (:data:`~gaitcheck.metrics.curves.SAGITTAL_SERIES` order), series the curves module
    may add later at the end."""
    known = [s.format(side=side) for s in SAGITTAL_SERIES
             for side in (SIDES if "{side}" in s else ("",))] + list(FRONTAL_SERIES)
    return [k for k in known if k in angles] + sorted(k for k in angles if k not in known)


def frames_table(result: GaitResult) -> tuple[list[str], Iterator[str]]:
    """Header and text (blocks of lines) of ``frames.csv``: one row per analysed frame.

    Columns: ``frame`` (source-video frame number), ``time_s`` (real time from the start
    of the file, slow-motion corrected, s), ``detected`` (1 if the pose model found the
    runner), the per-frame angles of :func:`~gaitcheck.metrics.curves.frame_angles` in
    degrees (none when the view is unknown), then per landmark ``<name>_x_px`` and
    ``<name>_y_px`` (cleaned position in the upright frame, pixels from the top-left, y
    down; gaps the cleaning bridged are filled even when ``detected`` is 0) and
    ``<name>_visibility`` (0..1).
    """
    tracks, cleaned, angles = result.tracks, result.cleaned, result.angles
    names = angle_columns(angles)
    header = ["frame", "time_s", "detected", *names]
    for lm in LANDMARK_NAMES:
        header += [f"{lm}_x_px", f"{lm}_y_px", f"{lm}_visibility"]

    def blocks() -> Iterator[str]:
        xy, vis = cleaned.xy_px(), cleaned.visibility()
        formats = ["%d", "%.4f", "%d", *["%.2f"] * len(names),
                   *["%.2f", "%.2f", "%.3f"] * len(LANDMARK_NAMES)]
        # A block of frames at a time: a long clip's text is never all in memory.
        for a in range(0, tracks.n_frames, CSV_BLOCK):
            rows = slice(a, a + CSV_BLOCK)
            per_landmark = np.concatenate([xy[rows], vis[rows, :, None]], axis=2)
            table = np.column_stack([tracks.frame_index[rows], tracks.time_s[rows],
                                     tracks.detected[rows],
                                     *[np.asarray(angles[k][rows]) for k in names],
                                     per_landmark.reshape(len(per_landmark), -1)])
            yield format_rows(table.astype(np.float64), formats, newline="\r\n")

    return header, blocks()


def match_toe_offs(contacts: list[dict[str, Any]],
                   toe_offs: list[dict[str, Any]]) -> list[dict[str, Any] | None]:
    """For each contact, the first toe-off of the same foot after it and before that
    foot's next contact (the pairing the metrics use), or None."""
    out: list[dict[str, Any] | None] = [None] * len(contacts)
    for side in SIDES:
        ics = sorted((i for i, c in enumerate(contacts) if c.get("side") == side),
                     key=lambda i: contacts[i]["frame"])
        tos = sorted((t for t in toe_offs if t.get("side") == side), key=lambda t: t["frame"])
        frames = [t["frame"] for t in tos]
        for k, i in enumerate(ics):
            limit = contacts[ics[k + 1]]["frame"] if k + 1 < len(ics) else math.inf
            j = bisect.bisect_right(frames, contacts[i]["frame"])
            if j < len(tos) and frames[j] < limit:
                out[i] = tos[j]
    return out


def _per_contact_values(result: GaitResult,
                        contacts: list[dict[str, Any]]) -> dict[str, list[float | None]]:
    """Per-contact metric values by contacts.csv column; a column whose per-stride lists
    do not have exactly one value per contact of each side stays empty."""
    out: dict[str, list[float | None]] = {}
    counts = {s: sum(c.get("side") == s for c in contacts) for s in SIDES}
    for key, column in PER_CONTACT:
        per_side = (result.metrics.get(key) or {}).get("per_side") or {}
        lists = {s: list((per_side.get(s) or {}).get("per_stride") or []) for s in SIDES}
        if any(len(lists[s]) != counts[s] for s in SIDES):
            out[column] = [None] * len(contacts)
            continue
        seen = {s: 0 for s in SIDES}
        values: list[float | None] = []
        for c in contacts:
            s = c.get("side")
            values.append(lists[s][seen[s]] if s in seen else None)
            if s in seen:
                seen[s] += 1
        out[column] = values
    return out


def contacts_rows(result: GaitResult) -> list[list[str]]:
    """Rows of ``contacts.csv``, one per initial contact of ``report.json`` in time order.

    Columns (:data:`CONTACT_COLUMNS`): ``contact`` (1-based number), ``time_s`` (real
    time, s), ``frame`` (fractional source-video frame), ``side`` (left/right foot),
    ``strike`` (rearfoot/midfoot/forefoot; empty if unknown), ``strike_inferred`` (1 when
    the foot was not measured at this contact and its usual strike is shown),
    ``foot_angle_deg`` (sole from the ground at contact, toe up positive, relative to the
    flat foot), ``confidence`` (0..1), ``toe_off_time_s`` and ``toe_off_frame`` of the
    matched toe-off, ``contact_ms`` (toe-off minus contact time, from the event times of
    ``report.json``, ±0.1 ms of the per-stride ground contact times), then the
    per-contact metrics of :data:`PER_CONTACT` (knee flexion at contact, 0 = straight;
    overstride as % of leg length, heel ahead of the hips positive; shank angle from
    vertical, ankle ahead of the knee positive).
    """
    contacts = list(result.events.get("contacts") or [])
    toe_offs = list(result.events.get("toe_offs") or [])
    matched = match_toe_offs(contacts, toe_offs)
    extra = _per_contact_values(result, contacts)
    rows = []
    for i, (c, to) in enumerate(zip(contacts, matched, strict=True)):
        contact_ms = 1000.0 * (to["time_s"] - c["time_s"]) if to else None
        rows.append([
            str(i + 1), _cell(c.get("time_s"), 4), _cell(c.get("frame"), 2),
            c.get("side") or "", c.get("strike") or "", _cell(bool(c.get("strike_inferred")), 0),
            _cell(c.get("foot_angle_deg"), 2), _cell(c.get("confidence"), 3),
            _cell(to["time_s"] if to else None, 4), _cell(to["frame"] if to else None, 2),
            _cell(contact_ms, 1),
            *(_cell(extra[col][i], 3) for _, col in PER_CONTACT),
        ])
    return rows


def metric_column(key: str, unit: str | None) -> str:
    """Summary column name of a metric: its registry column for ``unit``
    (``cadence_spm``, ``foot_strike_angle_deg``, ``vertical_oscillation_pct_leg``), else
    its key with the unit as suffix."""
    if key in REGISTRY:
        return REGISTRY[key].csv_column(unit)
    suffix = UNIT_SUFFIX.get(unit or "") or re.sub(r"[^a-z0-9]+", "_", (unit or "").lower())
    suffix = suffix.strip("_")
    return key if not suffix or key.endswith(f"_{suffix}") else f"{key}_{suffix}"


def summary_table(result: GaitResult) -> tuple[list[str], list[list[str]]]:
    """Header and the single row of ``metrics_summary.csv``.

    Columns: ``video`` (file name), ``view``, ``facing``, ``setting``, ``activity``,
    ``frames``, ``duration_s``, ``foot_strike_pattern``; then per metric
    (:data:`METRIC_ORDER`, named by :func:`metric_column`) the headline value and, for
    metrics measured per foot, the per-side means ``<column>_left`` and
    ``<column>_right``, and the 95 % interval of the headline value ``<column>_ci95_lo``
    and ``<column>_ci95_hi`` (:mod:`gaitcheck.metrics.uncertainty`); then the left-right
    symmetry indices
    ``asymmetry_<name>_si_pct`` (%). A metric the view or data cannot support has empty
    cells. Values keep the report's 3 decimals.
    """
    report, metrics = result.report, result.metrics
    video = report.get("video") or {}
    quality = report.get("quality") or {}
    header = ["video", "view", "facing", "setting", "activity", "frames", "duration_s",
              "foot_strike_pattern"]
    row = [Path(video.get("path") or "").name, result.view or "", result.facing or "",
           (report.get("setting") or {}).get("value") or "", result.activity or "",
           _cell(quality.get("frames", result.tracks.n_frames), 0),
           _cell(quality.get("duration_s"), 3),
           (metrics.get("foot_strike") or {}).get("pattern") or ""]
    extra = sorted(k for k, m in metrics.items()
                   if k not in METRIC_ORDER and k != "asymmetry" and isinstance(m, dict))
    for key in (*METRIC_ORDER, *extra):
        m = metrics.get(key) or {}
        entry = REGISTRY.get(key)
        sided = entry.per_side if entry else "per_side" in m
        # Every column of a metric whose unit depends on the input (vertical oscillation
        # in cm or % leg length), so the layout does not depend on ``--height``.
        columns = list(entry.csv_columns) if entry else [metric_column(key, m.get("unit"))]
        per_side = m.get("per_side") or {}
        for column in columns:
            own = bool(m) and metric_column(key, m.get("unit")) == column
            header.append(column)
            row.append(_cell(m.get("value") if own else None, 3))
            for s in SIDES if sided else ():
                header.append(f"{column}_{s}")
                row.append(_cell((per_side.get(s) or {}).get("mean") if own else None, 3))
            ci = m.get("ci95") if own else None
            for bound, name in enumerate(("lo", "hi")):
                header.append(f"{column}_ci95_{name}")
                row.append(_cell(ci[bound] if isinstance(ci, list) and len(ci) == 2
                                 else None, 3))
    asym = metrics.get("asymmetry") or {}
    for name in (*ASYMMETRY_ORDER, *sorted(set(asym) - set(ASYMMETRY_ORDER))):
        header.append(f"asymmetry_{name}_si_pct")
        row.append(_cell((asym.get(name) or {}).get("si_pct"), 2))
    return header, [row]

"""Before/after comparison of two analyses (``gaitcheck compare A B``).

For every metric both reports measured: A, B, the change (absolute and %), and whether
the change exceeds the measurement's noise. The noise is the smallest detectable change
from the same uncertainty the reports give each metric (``ci95``, see
:mod:`gaitcheck.metrics.uncertainty`: stride-to-stride scatter plus the systematic floor
measured by the consistency suite):

    SDC = sqrt(h_A² + h_B²),   h = half-width of the report's 95 % interval

Reports written before the intervals existed fall back to the per-stride scatter alone,
``1.96 × sqrt(SE_A² + SE_B²)`` with ``SE = SD / sqrt(n)`` over the pooled per-stride
values, and metrics without per-stride data to a fixed floor (:data:`NOISE_FLOORS`).
"""

from __future__ import annotations

import csv
import io
import math
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from gaitcheck.errors import InputError
from gaitcheck.fsio import prepare_output_dir, write_bytes_atomic, write_text_atomic
from gaitcheck.metrics.definitions import REGISTRY
from gaitcheck.result import read_report

#: Metrics in display order (the registry's); any other metric with a numeric value
#: follows.
ORDER = tuple(REGISTRY)
#: Noise floors for metrics reported without per-stride values, in the metric's unit
#: (:attr:`MetricDefinition.noise_floor <gaitcheck.metrics.definitions.MetricDefinition>`).
NOISE_FLOORS = {k: e.noise_floor for k, e in REGISTRY.items() if e.noise_floor is not None}
Z95 = 1.96
CSV_NAME = "compare.csv"
HTML_NAME = "compare.html"
EXCEEDS, WITHIN, UNKNOWN, NOT_COMPARABLE = ("exceeds noise", "within noise", "noise unknown",
                                            "not comparable")


@dataclass(frozen=True)
class MetricChange:
    """One row of the comparison.

    Attributes
    ----------
    key, label, unit : str
        Report key, display name and unit.
    a, b : float, optional
        Values in A (before) and B (after).
    change, change_pct : float, optional
        B − A, and that as % of |A|.
    noise : float, optional
        Smallest detectable change, in the metric's unit.
    noise_source : str
        "per-stride" (from both reports' strides), "fixed floor" or "".
    verdict : str
        "exceeds noise", "within noise", "noise unknown" or "not comparable".
    note : str
        Why not comparable, or a foot-strike pattern change.
    """

    key: str
    label: str
    unit: str
    a: float | None
    b: float | None
    change: float | None
    change_pct: float | None
    noise: float | None
    noise_source: str
    verdict: str
    note: str = ""


@dataclass(frozen=True)
class Comparison:
    """Two analyses and their metric changes."""

    a: dict[str, Any]
    b: dict[str, Any]
    a_path: Path
    b_path: Path
    rows: list[MetricChange]


def load_report(path: str | Path) -> tuple[dict[str, Any], Path]:
    """``report.json`` from a folder or a file path; returns (report, report path).

    Only the JSON is needed (not the landmarks), so a report mailed on its own compares.
    """
    report, report_path = read_report(path)
    if not isinstance(report.get("metrics"), dict):
        raise InputError(f"{report_path} is not a gaitcheck report.json")
    return report, report_path


def pooled_strides(metric: dict[str, Any]) -> list[float]:
    """Finite per-stride values of both sides."""
    values = []
    for side in (metric.get("per_side") or {}).values():
        for v in (side or {}).get("per_stride") or []:
            if isinstance(v, int | float) and math.isfinite(v):
                values.append(float(v))
    return values


def standard_error(values: list[float]) -> float | None:
    """SD / sqrt(n) with the sample SD (n − 1); None for fewer than two values."""
    n = len(values)
    if n < 2:
        return None
    mean = sum(values) / n
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1))
    return sd / math.sqrt(n)


def half_width(metric: dict[str, Any] | None) -> float | None:
    """Half-width of a metric's 95 % interval ``ci95`` in its unit, or None."""
    ci = (metric or {}).get("ci95")
    if not (isinstance(ci, list) and len(ci) == 2
            and all(isinstance(x, int | float) and math.isfinite(x) for x in ci)):
        return None
    return (float(ci[1]) - float(ci[0])) / 2


def _view(report: dict[str, Any]) -> str | None:
    return (report.get("view") or {}).get("value")


def _measured(metric: dict[str, Any] | None) -> float | None:
    if not metric or metric.get("measurable") is False:
        return None
    value = metric.get("value")
    return float(value) if isinstance(value, int | float) and math.isfinite(value) else None


def compare_metric(key: str, a: dict[str, Any], b: dict[str, Any]) -> MetricChange:
    """Compare metric ``key`` of reports ``a`` and ``b``."""
    ma, mb = (a.get("metrics") or {}).get(key), (b.get("metrics") or {}).get(key)
    unit = (mb or ma or {}).get("unit") or ""
    va, vb = _measured(ma), _measured(mb)
    entry = REGISTRY.get(key)
    label = entry.label if entry else key.replace("_", " ")

    def incomparable(note: str) -> MetricChange:
        return MetricChange(key, label, unit, va, vb, None, None, None, "", NOT_COMPARABLE,
                            note)

    view_a, view_b = _view(a), _view(b)
    if view_a != view_b:
        valid = set((ma or {}).get("valid_for_view") or []) | set(
            (mb or {}).get("valid_for_view") or [])
        if view_a not in valid or view_b not in valid:
            return incomparable(f"views differ ({view_a or 'unknown'} vs {view_b or 'unknown'})")
    if va is None or vb is None:
        missing = [name for name, m, v in (("A", ma, va), ("B", mb, vb)) if v is None]
        reason = next(((m or {}).get("reason") for m in (ma, mb) if m and m.get("reason")), "")
        return incomparable(f"not measured in {' and '.join(missing)}"
                            + (f": {reason}" if reason else ""))
    if (ma or {}).get("unit") != (mb or {}).get("unit"):
        return incomparable(f"units differ ({ma.get('unit')} vs {mb.get('unit')}); give "
                            "--height-cm to both or neither")
    change = vb - va
    pct = change / abs(va) * 100 if va != 0 else None
    se_a, se_b = standard_error(pooled_strides(ma)), standard_error(pooled_strides(mb))
    h_a, h_b = half_width(ma), half_width(mb)
    if h_a is not None and h_b is not None:
        noise, source = math.hypot(h_a, h_b), "95 % intervals"
    elif se_a is not None and se_b is not None:
        noise, source = Z95 * math.sqrt(se_a ** 2 + se_b ** 2), "per-stride"
    elif key in NOISE_FLOORS:
        noise, source = NOISE_FLOORS[key], "fixed floor"
    else:
        noise, source = None, ""
    verdict = UNKNOWN if noise is None else (EXCEEDS if abs(change) > noise else WITHIN)
    note = ""
    if key == "foot_strike" and ma.get("pattern") != mb.get("pattern"):
        note = f"pattern {ma.get('pattern') or 'unknown'} → {mb.get('pattern') or 'unknown'}"
    return MetricChange(key, label, unit, va, vb, change, pct, noise, source, verdict, note)


def compare_reports(a_path: str | Path, b_path: str | Path) -> Comparison:
    """Compare two analyses given as folders or ``report.json`` paths."""
    a, pa = load_report(a_path)
    b, pb = load_report(b_path)
    keys = [k for k in ORDER if k in a["metrics"] or k in b["metrics"]]
    others = sorted(k for k in set(a["metrics"]) | set(b["metrics"]) if k not in ORDER
                    and any(isinstance(r["metrics"].get(k), dict) and "value" in r["metrics"][k]
                            for r in (a, b)))
    rows = [compare_metric(k, a, b) for k in keys + others]
    # A metric neither session measured (e.g. arm crossover in two side views) says nothing.
    return Comparison(a, b, pa, pb, [r for r in rows if r.a is not None or r.b is not None])


def _fmt(value: float | None, digits: int = 1) -> str:
    return "" if value is None else f"{value:.{digits}f}"


def csv_bytes(comparison: Comparison) -> bytes:
    """``compare.csv``: one row per metric, UTF-8 with a byte-order mark."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    fields = list(asdict(comparison.rows[0])) if comparison.rows else ["key"]
    writer.writerow(fields)
    for row in comparison.rows:
        writer.writerow(["" if v is None else (round(v, 4) if isinstance(v, float) else v)
                         for v in asdict(row).values()])
    return buffer.getvalue().encode("utf-8-sig")


def describe(report: dict[str, Any], path: Path) -> dict[str, Any]:
    """What identifies one side of the comparison in the table header and the page."""
    video = report.get("video") or {}
    return {"path": str(path), "folder": path.parent.name,
            "video": Path(video.get("path") or "").name,
            "created": (report.get("generator") or {}).get("created_utc"),
            "view": (report.get("view") or {}).get("label") or _view(report),
            "setting": (report.get("setting") or {}).get("value"),
            "activity": (report.get("activity") or {}).get("value"),
            "duration_s": video.get("duration_s")}


def write_outputs(comparison: Comparison, out_dir: Path) -> dict[str, Path]:
    """Write ``compare.csv``, and ``compare.html`` when either side has a report.html."""
    out = prepare_output_dir(out_dir)
    files = {"csv": write_bytes_atomic(out / CSV_NAME, csv_bytes(comparison))}
    html_a = comparison.a_path.parent / "report.html"
    html_b = comparison.b_path.parent / "report.html"
    if html_a.is_file() or html_b.is_file():
        files["html"] = write_text_atomic(out / HTML_NAME, render_html(comparison, out))
    return files


def render_html(comparison: Comparison, out_dir: Path) -> str:
    """A self-contained page (inline CSS, no scripts, no network)."""
    import jinja2

    from gaitcheck import __version__

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).with_name("templates")),
        autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True,
        lstrip_blocks=True)
    sides = []
    for name, report, path in (("A", comparison.a, comparison.a_path),
                               ("B", comparison.b, comparison.b_path)):
        html = path.parent / "report.html"
        link = os.path.relpath(html, out_dir) if html.is_file() else None
        sides.append({"name": name, **describe(report, path),
                      "link": Path(link).as_posix() if link else None})
    return env.get_template("compare.html.j2").render(
        sides=sides, rows=comparison.rows, fmt=_fmt, version=__version__,
        verdicts={"exceeds": EXCEEDS, "within": WITHIN, "not_comparable": NOT_COMPARABLE},
        floors=NOISE_FLOORS, z=Z95)

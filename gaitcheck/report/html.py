"""``report.html``: one self-contained page (inline CSS and SVG, images as data URIs)
rendered from the Jinja templates in ``templates/``.

The templates receive plain dicts and strings built here and in
:mod:`gaitcheck.report.html_metrics`; plots come from :mod:`gaitcheck.report.plots` and
:mod:`gaitcheck.report.plots_body`. Rendering is deterministic: the same result gives a
byte-identical page. Nothing in the page refers to the network.
"""

from __future__ import annotations

import base64
import functools
import json
import math
from concurrent.futures import Future
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2

from gaitcheck import __version__
from gaitcheck.filenames import REPORT_NAME
from gaitcheck.fsio import write_text_atomic
from gaitcheck.metrics.definitions import HEADLINE
from gaitcheck.metrics.findings import SEVERITY_ORDER
from gaitcheck.report.context_lead import lead
from gaitcheck.report.html_metrics import (
    fmt,
    interval,
    label,
    measured,
    metric_cards,
    number,
    sentence,
    symmetry_rows,
)
from gaitcheck.report.keyframes import CROP_NAME, INDEX_NAME, KEYFRAMES_DIR
from gaitcheck.report.plots import STRIKE_LETTERS, timeline_plot
from gaitcheck.report.plots_body import cycle_panels, cycle_plot, stick_figures
from gaitcheck.sides import SIDES
from gaitcheck.tracks.warnings import INFO, SEVERITIES, severity_of, warning_severity

if TYPE_CHECKING:
    from gaitcheck.result import GaitResult

HTML_NAME = "report.html"
#: Section ids of the page, in order (the navigation and the tests use them).
SECTIONS = {"summary": "Summary", "metrics": "Metrics", "timeline": "Gait events",
            "curves": "Joint angles", "keyframes": "Key frames", "quality": "Data quality",
            "files": "Files"}
#: Headline numbers of the summary card, in order (shown when measurable).
SUMMARY_KEYS = HEADLINE


#: Templates the page imports or includes (jinja2 loads them at render time).
_TEMPLATE_PARTS = ("_macros.html.j2", "report.css")


@functools.cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).with_name("templates")),
        autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True,
        lstrip_blocks=True, keep_trailing_newline=True)


def compiled_template() -> jinja2.Template:
    """The page template, compiled once per process with what it imports and includes
    (about 50 ms; the pipeline does it on a spare core during pose)."""
    env = _environment()
    for name in _TEMPLATE_PARTS:
        env.get_template(name)
    return env.get_template("report.html.j2")


def _measurable(metric: Any) -> bool:
    return (isinstance(metric, dict) and bool(metric.get("measurable"))
            and isinstance(metric.get("value"), int | float)
            and math.isfinite(metric["value"]))


def summary(report: dict[str, Any]) -> dict[str, Any]:
    """Headline tiles, findings worst first, and what the view could not measure."""
    metrics = report.get("metrics") or {}
    bands = report.get("reference_bands") or {}
    tiles = []
    for key in SUMMARY_KEYS:
        m = metrics.get(key)
        if not _measurable(m):
            continue
        band, value = bands.get(key), m["value"]
        status = None
        if band:
            low, high = band.get("low"), band.get("high")
            status = ("below" if low is not None and value < low else
                      "above" if high is not None and value > high else "within")
        tile = {"key": key, "label": label(key), "status": status,
                "number": measured(key, value, m["unit"]), "pattern": None,
                "ci": interval(f"{key}.ci95", m.get("ci95"), m["unit"], half=True)}
        if key == "foot_strike":
            tile["label"] = "Foot strike"
            if m.get("pattern"):
                tile["pattern"] = number("foot_strike.pattern", m["pattern"],
                                         m["pattern"].capitalize())
        tiles.append(tile)
    findings = sorted(report.get("findings") or [],
                      key=lambda f: SEVERITY_ORDER.get(f.get("severity"), 9))
    return {
        "tiles": tiles,
        "findings": [{"severity": f.get("severity", "info"), "message": f.get("message", ""),
                      "cue": f.get("cue"),
                      "anchor": _anchor(metrics, str(f.get("metric", "")))} for f in findings],
        "not_measurable": _not_measurable(metrics),
        "lead": lead(report),
        "withheld": ((report.get("findings_context") or {}).get("withheld") or {}),
    }


def _has_card(metrics: dict[str, Any], key: str) -> bool:
    return key != "asymmetry" and isinstance(metrics.get(key), dict) and "unit" in metrics[key]


def _anchor(metrics: dict[str, Any], key: str) -> str:
    """Where a finding links to: its metric's card, the symmetry table, or the metrics."""
    if key.startswith("asymmetry.") and metrics.get("asymmetry"):
        return "symmetry"
    return f"m-{key}" if _has_card(metrics, key) else "metrics"


def _not_measurable(metrics: dict[str, Any]) -> list[dict[str, str]]:
    return [{"key": k, "label": label(k),
             "reason": (m.get("reason") or "too few valid strides").rstrip(".")}
            for k, m in metrics.items() if _has_card(metrics, k) and not _measurable(m)]


def quality(report: dict[str, Any]) -> dict[str, Any]:
    """Pose coverage, visibility per body part, scene recognition, cleaning and warnings."""
    q = report.get("quality") or {}
    cov = q.get("pose_coverage")
    facts = [
        ("Frames analysed", q.get("frames")), ("Frames with a pose", q.get("frames_with_pose")),
        ("Pose coverage", f"{100 * cov:.1f} %" if cov is not None else None),
        ("Longest gap without a pose", _unit(q.get("longest_gap_s"), "s", 2)),
        ("Effective frame rate", _unit(q.get("effective_fps"), "frames/s", 1)),
        ("Body outside the frame", _unit(_pct(q.get("out_of_frame_fraction")), "% of frames", 1)),
    ]
    view = report.get("view") or {}
    scene = [
        ("View", _scene(view.get("label") or view.get("value"), view.get("confidence"))),
        ("Near side", _scene(view.get("near_side"), view.get("near_side_confidence"))),
        ("Setting", _scene(*_value_conf(report.get("setting")))),
        ("Activity", _scene(*_value_conf(report.get("activity")))),
    ]
    visibility = [{"part": part.replace("_", " "), "value": f"{v:.2f}",
                   "width": round(100 * min(max(v, 0.0), 1.0), 1), "low": v < 0.5}
                  for part, v in (q.get("mean_visibility") or {}).items() if v is not None]
    cleaning = ((report.get("analysis") or {}).get("cleaning")) or {}
    clean = [(name, cleaning.get(key)) for name, key in (
        ("Low-visibility points gated", "gated_points"), ("Outliers removed", "outliers"),
        ("Points filled by interpolation", "filled_points"),
        ("Points left missing", "unfilled_points"), ("Low-pass cut-off (Hz)", "cutoff_hz"))]
    clean += [("Left/right leg swaps repaired", len(cleaning.get("swaps_repaired") or [])),
              ("Far-foot errors repaired", len(cleaning.get("far_foot_fixed") or []))]
    warnings = _warnings(report)
    return {"facts": [(k, v) for k, v in facts if v is not None],
            "scene": [(k, v) for k, v in scene if v is not None],
            "visibility": visibility,
            "cleaning": [(k, v) for k, v in clean if v is not None],
            "warnings": [w for w in warnings if w["severity"] != INFO],
            "notes": [w for w in warnings if w["severity"] == INFO],
            "not_measurable": _not_measurable(report.get("metrics") or {})}


def _warnings(report: dict[str, Any]) -> list[dict[str, str]]:
    """Every data-quality, gait-event and analysis warning once, as ``{severity, text}``,
    serious first, then caution, then info (in report order within a severity).

    Gait-event messages (plain strings) are also in ``quality.warnings`` with their code
    (``events`` in reports before codes); the first occurrence of a text is kept.
    Warnings without a severity (reports before schema 1.4) count as caution.
    """
    events = report.get("events") or {}
    items: list[tuple[str, str]] = [(severity_of(w), w.get("message", ""))
                                    for w in (report.get("quality") or {}).get("warnings")
                                    or []]
    items += [(severity_of(str(w)), str(w)) for w in events.get("warnings") or []]
    items += [(severity_of(w), w.get("message", ""))
              for w in (report.get("analysis") or {}).get("warnings") or []]
    if events.get("slowmo_factor_suggested"):
        text = ("The motion looks too slow for real time: this may be a slow-motion file "
                f"(try --slowmo {events['slowmo_factor_suggested']}).")
        items.append((warning_severity("slowmo_suspected"), text))
    unique: dict[str, str] = {}
    for severity, message in items:
        if message.strip():
            unique.setdefault(sentence(message) + ".", severity)
    ordered = sorted(unique.items(), key=lambda item: SEVERITIES.index(item[1]))
    return [{"severity": severity, "text": text} for text, severity in ordered]


def _pct(x: float | None) -> float | None:
    return None if x is None else 100 * x


def _unit(x: float | None, unit: str, nd: int) -> str | None:
    return None if x is None else f"{x:.{nd}f} {unit}"


def _value_conf(section: Any) -> tuple[Any, Any]:
    section = section or {}
    return section.get("value"), section.get("confidence")


def _scene(value: Any, confidence: Any) -> str | None:
    if value is None:
        return None
    return f"{value} (confidence {confidence:.2f})" if confidence is not None else str(value)


def keyframes(result: GaitResult, out_dir: Path | None) -> dict[str, Any]:
    """Foot crops at contacts from ``keyframes/keyframes.json``, as data URIs.

    Entries that do not match a contact of this result (a folder reused for another
    analysis) or whose image is missing are left out.
    """
    index_path = Path(out_dir or ".") / KEYFRAMES_DIR / INDEX_NAME
    if out_dir is None or not index_path.is_file():
        return {"available": False, "crops": [], "note": None}
    try:
        index = json.loads(index_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return {"available": False, "crops": [], "note": f"{KEYFRAMES_DIR}/{INDEX_NAME} is "
                "unreadable"}
    contacts = {(c.get("side"), c.get("frame")) for c in result.events.get("contacts", [])}
    items = []
    for e in index.get("keyframes") or []:
        name = str(e.get("file", ""))
        path = index_path.parent / name
        if not CROP_NAME.match(name) or (e.get("side"), e.get("frame")) not in contacts \
                or not path.is_file():
            continue
        data = base64.b64encode(path.read_bytes()).decode("ascii")
        strike = e.get("strike") or "unknown"
        items.append({"src": f"data:image/jpeg;base64,{data}", "side": e.get("side"),
                      "strike": strike, "inferred": bool(e.get("strike_inferred")),
                      "letter": STRIKE_LETTERS.get(strike, "?"),
                      "time": f"{e.get('time_s', 0.0):.2f} s",
                      "frame": round(float(e.get("frame", 0.0))),
                      "angle": fmt(e["foot_angle_deg"], "deg")
                      if isinstance(e.get("foot_angle_deg"), int | float) else None})
    note = index.get("note")
    return {"available": True, "crops": items, "note": sentence(note) if note else None}


def files(report: dict[str, Any], extra: dict[str, str]) -> list[dict[str, str]]:
    """Files of the output folder by role: the report's list, this page and report.json."""
    listed = {"report": REPORT_NAME} | dict(report.get("files") or {}) | extra
    return [{"role": role.replace("_", " "), "name": name} for role, name in listed.items()]


def context(result: GaitResult, out_dir: Path | None = None,
            pending: Future | None = None) -> dict[str, Any]:
    """Everything the page template needs, as plain dicts and strings.

    ``pending`` is the still-running key-frame extraction, if any: the plots are drawn
    meanwhile and the key frames read once it is done.
    """
    report = result.report
    video = report.get("video") or {}
    view = report.get("view") or {}
    events = result.events
    panels = cycle_panels(result)
    video_name = Path(str(video.get("path") or "unknown video")).name
    plots = {"groups": metric_cards(report),
             "timeline": timeline_plot(events, video.get("duration_s")),
             "curves": cycle_plot(panels), "stick": stick_figures(result)}
    if pending is not None:
        pending.result()
    frames = keyframes(result, out_dir)
    extra = {"html": HTML_NAME}
    if frames["available"]:
        extra["keyframes"] = f"{KEYFRAMES_DIR}/{INDEX_NAME}"
    return {
        "title": f"Running gait report: {video_name}",
        "video_name": video_name,
        "video_path": str(video.get("path") or ""),
        "subtitle": _subtitle(report),
        "sections": SECTIONS,
        "view": view.get("value"),
        "summary": summary(report),
        "groups": plots["groups"],
        "symmetry": symmetry_rows(report),
        "timeline": {"svg": plots["timeline"],
                     "counts": [{"side": s, "contacts": sum(c.get("side") == s
                                                            for c in events.get("contacts", [])),
                                 "toe_offs": sum(t.get("side") == s
                                                 for t in events.get("toe_offs", []))}
                                for s in SIDES]},
        "curves": {"svg": plots["curves"],
                   "panels": [{"title": p["title"],
                               "n": {s: c["n_strides"] for s, c in p["sides"].items()}}
                              for p in panels]},
        "keyframes": frames,
        "stick": plots["stick"],
        "quality": quality(report),
        "files": files(report, extra),
        "version": (report.get("generator") or {}).get("version", __version__),
        "renderer_version": __version__,
        "created_utc": (report.get("generator") or {}).get("created_utc"),
        "schema_version": report.get("schema_version"),
        "privacy": privacy_note(report),
    }


def privacy_note(report: dict[str, Any]) -> str | None:
    """Whether faces are blurred and what decided it (``privacy.anonymize_source``)."""
    privacy = report.get("privacy") or {}
    if not privacy:
        return None
    text = "faces blurred" if privacy.get("faces_blurred") else "faces not blurred"
    why = privacy.get("anonymize_source")
    return f"{text} ({why})" if why else text


def _subtitle(report: dict[str, Any]) -> list[str]:
    view = report.get("view") or {}
    video = report.get("video") or {}
    parts = []
    if view.get("value"):
        facing = f", facing {view['facing']}" if view.get("facing") else ""
        parts.append(f"{view['value']} view{facing}")
    for section in ("setting", "activity"):
        value = (report.get(section) or {}).get("value")
        if value:
            parts.append({"run": "running", "walk": "walking"}.get(value, str(value)))
    if video.get("duration_s") is not None:
        parts.append(f"{video['duration_s']:.1f} s")
    if video.get("capture_fps"):
        parts.append(f"{video['capture_fps']:.0f} frames/s")
    return parts


def render_html(result: GaitResult, out_dir: Path | None = None,
                pending: Future | None = None) -> str:
    """The page as text; ``out_dir`` is where key frames are looked up (None: none)."""
    return compiled_template().render(context(result, out_dir, pending))


def write_html(result: GaitResult, out_dir: Path, pending: Future | None = None
               ) -> dict[str, str]:
    """Write ``report.html`` into ``out_dir`` atomically.

    Parameters
    ----------
    pending : Future, optional
        Key-frame extraction running in another thread (see :func:`context`).

    Returns
    -------
    dict
        ``{"html": "report.html"}``.
    """
    write_text_atomic(Path(out_dir) / HTML_NAME, render_html(result, Path(out_dir), pending))
    return {"html": HTML_NAME}

"""What a reader must know before any number: slow motion, activity, withheld verdicts.

The HTML summary card and the terminal summary both open with these lines
(:func:`lead`), so a suspected slow-motion clip leads with its factor and the exact
command to re-run, and a walking or unrecognised clip says which verdicts were left out.
"""

from __future__ import annotations

import shlex
from typing import Any


def rerun_command(report: dict[str, Any], slowmo: float | str) -> str:
    """The ``gaitcheck analyze`` command that re-runs this clip with ``--slowmo``.

    Keeps the analysis window and the view and setting the user gave; the video is the
    path recorded in the report (quoted for a POSIX shell).
    """
    video = report.get("video") or {}
    window = video.get("analysis_window") or {}
    path = str(video.get("path") or "VIDEO")
    words = ["gaitcheck", "analyze", path]
    for flag, key in (("--start", "start_s"), ("--end", "end_s")):
        if window.get(key) is not None:
            words += [flag, f"{window[key]:g}"]
    view = report.get("view") or {}
    if view.get("overridden") and view.get("label"):
        words += ["--view", str(view["label"])]
    setting = report.get("setting") or {}
    if setting.get("overridden") and setting.get("value") in ("treadmill", "overground"):
        words.append(f"--{setting['value']}")
    words += ["--slowmo", slowmo if isinstance(slowmo, str) else f"{slowmo:g}"]
    return shlex.join(words)


def lead(report: dict[str, Any]) -> list[dict[str, Any]]:
    """Lines that open the summary, most important first.

    Returns
    -------
    list of dict
        ``{"kind": "slowmo" | "slowmo_applied" | "activity" | "withheld", "severity":
        "serious" | "caution" | "info", "text": str, "command": str or None}``.
    """
    out: list[dict[str, Any]] = []
    slowmo = report.get("slowmo") or {}
    decision = slowmo.get("decision") or {}
    judged = report.get("findings_context") or {}
    withheld = judged.get("withheld") or {}
    if slowmo.get("source") == "auto":
        out.append({"kind": "slowmo_applied", "severity": "caution", "command": None,
                    "text": f"Slow motion {slowmo.get('applied_auto_factor'):g}× was detected "
                    f"and applied (--slowmo auto): {decision.get('reason', '')}. Every time "
                    f"and cadence here is in real time (the file plays "
                    f"{slowmo.get('factor'):g}× slower)."})
    elif slowmo.get("suggested_total"):
        k = slowmo["suggested_total"]
        sure = decision.get("confident")
        text = (f"This {'looks like' if sure else 'may be'} {k:g}× slow motion: the gait "
                "timing is not possible in "
                "real time. Cadence, step, contact and flight times and the duty factor are "
                "not judged until the clip is re-run with its slow-motion factor")
        text += (" (--slowmo auto would apply it)." if sure else
                 f". Automatic detection is not sure ({decision.get('reason', '')}), so "
                 "check the phone's capture rate first.")
        out.append({"kind": "slowmo", "severity": "serious", "text": text,
                    "command": rerun_command(report, k)})
    elif "time_based" in withheld:  # reports without a slowmo section
        out.append({"kind": "slowmo", "severity": "serious", "command": None,
                    "text": f"Time-based findings withheld: {withheld['time_based']}."})
    activity = (report.get("activity") or {}).get("value")
    if judged.get("band_activity") == "walk":
        out.append({"kind": "activity", "severity": "info", "command": None,
                    "text": "Walking (the feet share the ground: double support). Values are "
                    "judged against walking ranges only; running ranges do not apply."})
    if "band_based" in withheld:
        what = f" (detected: {activity}, not sure enough)" if activity else ""
        out.append({"kind": "withheld", "severity": "caution", "command": None,
                    "text": f"No comparison with typical ranges: {withheld['band_based']}"
                    f"{what}. The values are shown for tracking over time."})
    return out

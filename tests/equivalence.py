"""Do two reports of one video agree within the consistency tolerances?

Used by the segmented-pose tests and ``benchmarks/segments_check.py``: a report from a
pose pass split into time segments must match the single pass within cadence
±0.5 steps/min, angles ±1°, durations ±1 frame interval, every initial contact within
±1 frame (same side), and the same findings (metric and severity).
"""

from __future__ import annotations

from typing import Any

CADENCE_SPM, ANGLE_DEG, CONTACT_FRAMES = 0.5, 1.0, 1.0


def _tolerance(unit: str | None, fps: float) -> float | None:
    return {"steps/min": CADENCE_SPM, "deg": ANGLE_DEG, "ms": 1000.0 / fps}.get(unit or "")


#: Measures that move by more than the tolerances whenever MediaPipe's landmark
#: history changes, segments or not: starting a single pass 0.1 s later moves the hip
#: extension at toe-off by 3.5° on treadmill_heel_striker_side.mp4 and 1.8° on the real
#: treadmill clip, and flips left-right asymmetry severities that sit near a threshold
#: (benchmarks/segments_check.py reports them; the tests compare everything else).
HISTORY_SENSITIVE = ("hip_extension_to_deg", "asymmetry.")


def differences(a: dict[str, Any], b: dict[str, Any],
                ignore: tuple[str, ...] = ()) -> list[str]:
    """What differs beyond tolerance between reports ``a`` and ``b`` (empty: agree).

    ``ignore`` names metrics (and findings on them) left out; a name ending in ``.`` is
    a prefix (``"asymmetry."``).
    """
    def kept(name: str) -> bool:
        return not any(name == i or (i.endswith(".") and name.startswith(i)) for i in ignore)

    fps = a["video"]["capture_fps"] / (a["video"]["analysis_window"].get("stride") or 1)
    out = []
    for name, ma in a["metrics"].items():
        if not kept(name):
            continue
        mb = b["metrics"].get(name)
        if mb is None:
            out.append(f"{name}: missing in b")
            continue
        if ma.get("measurable") != mb.get("measurable"):
            out.append(f"{name}: measurable {ma.get('measurable')} vs {mb.get('measurable')}")
            continue
        va, vb, tol = ma.get("value"), mb.get("value"), _tolerance(ma.get("unit"), fps)
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
    fa = sorted((f["metric"], f["severity"]) for f in a["findings"] if kept(f["metric"]))
    fb = sorted((f["metric"], f["severity"]) for f in b["findings"] if kept(f["metric"]))
    if fa != fb:
        out.append(f"findings {fa} vs {fb}")
    return out

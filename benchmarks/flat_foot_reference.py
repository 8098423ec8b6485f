"""Split each consistency row of the foot angle at contact into reading and reference.

The foot angle at initial contact (IC) of a stance is the foot angle read just before IC
(:mod:`gaitcheck.metrics.foot`) minus the foot's flat-foot reference
(:func:`gaitcheck.metrics.sagittal_frame._flat_foot_deg`, the median foot angle over
``FLAT_FOOT_WINDOW`` of each IC → TO stance, clipped to ±8°). A row of the consistency
suite (``benchmarks/consistency.py``) moves through either term. This prints, per
transformed clip and per foot, the change against the untransformed clip of

* ``read``: the median reading at IC (per-stance value + the foot's reference), deg;
* ``ref``: the flat-foot reference, deg (the value moves by ``read − ref``);
* ``row``: the clip's foot-angle value, deg (what the suite's row is).

Only the analysis runs (seconds): it needs a consistency cache whose landmarks exist
(``--cache``, read-only; nothing is written there).

Why (the toe-reach toe-off, merge 8234caa): initial contacts did not move, so every
``read`` stayed to the hundredth; the real treadmill clip's rows moved through ``ref``
alone. The toe-off ~1.2 frame later on the right foot moved that foot's window
(0.35–0.55 of the stance) from IC + 2.1…3.3 frames to IC + 2.5…4.0 frames, on a foot
whose median angle falls −1.7 → −8.3 → −16.8° over IC + 2, 3, 4 frames: at 30 fps this
foot is flat (heel and toe both at their stance lows) for about one frame, and the
frames after it already turn toes-down while the heel is still within 0.1 foot length of
its low (5 of the 23 window frames have it higher, 2 of 22 before; the synthetic running
model's own heel-off is at 0.45 of the stance, ``gaitcheck/synth/legs.py``). Its
reference went −2.45 → −7.11° on the base clip; the left foot's sits at the −8° clip
before and after. The rows got worse because the right reference had been cancelling
the left foot's reading changes: CRF 35 read L −5.63,
ref R −5.55 → row +0.56 before; ref R −0.89 → row −1.92 after. Rolled −4°: read L −7.95,
read R +5.18, ref R +1.06 → −1.65 before; ref R +4.28 → −3.39 after.

Flat-foot references measured instead (patched in on the suite's cache; floor ≈ 2.06 ×
median |change| over the non-half rows: 2.76° today, 1.48° before the merge):

* per stance the frame with heel and toe both nearest their stance lows: floor 1.76°;
  60 fps render at 30 fps 1.34 → 2.22°, walking mirror 3.02 → 4.22°; the same at the
  sub-frame moment (heights interpolated): 1.94°; render at 30 fps → 2.34°, walking
  mirror → 4.67°;
* toe-down → heel-down frames, tolerance 0.05 foot length: 1.23°; render at 30 fps
  → 2.61°, render rolled −4° 0.75 → 1.92°, walking rolled +4° 0.09 → 2.30°; at
  tolerance 0.10 the floor is 3.02° (the tolerance decides, so it is not a fix);
* the heel-low → toe-low line: 1.86°; render at 30 fps → 2.10°, walking mirror → 4.71°;
* windows ending at the synthetic heel-off, (0.15, 0.45) … (0.35, 0.45): 1.15–2.33°;
  render rolled +4° 1.87 → 2.1–3.9°, walking mirror → 2.9–4.0°;
* the window over both feet pooled: 2.02°; walking mirror → 4.70°;
* the window without frames whose heel is up (> 0.05 / 0.10 foot length): 2.51 / 2.82°.

Each brings some real treadmill rows back but moves another foot row by more than
0.3°, so none was adopted. On the base clip the kinematic references read the right
foot −3.3…−4.2° both before and after the merge (old window −2.45°, new −7.11°).

Usage::

    python benchmarks/flat_foot_reference.py --cache DIR [--clips treadmill,synth60]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import consistency as cons  # the suite's clips, transforms and analysis

SIDES = ("left", "right")


def foot_terms(report: dict[str, Any]) -> dict[str, Any]:
    """Value, per-foot reference and per-foot median reading at IC of one report, deg."""
    m = report["metrics"].get("foot_strike") or {}
    ref = m.get("flat_foot_reference_deg") or {}
    out: dict[str, Any] = {"row": m.get("value")}
    for s in SIDES:
        per = ((m.get("per_side") or {}).get(s) or {}).get("per_stride") or []
        vals = np.array([v for v in per if v is not None], dtype=float)
        r = ref.get(s)
        out[f"ref_{s}"] = r
        out[f"read_{s}"] = (float(np.median(vals)) + r) if len(vals) and r is not None \
            else None
    return out


def _delta(a: Any, b: Any) -> str:
    return "   —  " if a is None or b is None else f"{b - a:+6.2f}"


def reports(name: str, cache: Path) -> dict[str, dict[str, Any]]:
    """Foot terms of the untransformed clip and every cached transform of ``name``."""
    src, transforms = cons.CLIPS[name](cache)
    folder = cache / name
    base_npz = folder / "base.landmarks.npz"
    out = {"base": foot_terms(cons.analyse(base_npz, src))}
    for t in transforms:
        npz = folder / f"{t}.landmarks.npz"
        if npz.exists():
            out[t] = foot_terms(cons.analyse(npz, folder / f"{t}.mp4"))
    from gaitcheck.tracks.io import load_tracks

    tracks = load_tracks(base_npz)
    half = float(tracks.time_s[-1]) / 2
    out["first-half"] = foot_terms(cons.analyse(base_npz, src, None, half))
    out["second-half"] = foot_terms(cons.analyse(base_npz, src, half, None))
    if name in cons.LATE_START_CLIPS:
        for n in cons.LATE_STARTS:
            npz = folder / f"start+{n}.landmarks.npz"
            if npz.exists():
                start = (n - 0.25) / tracks.fps
                # Compared with the first pass over the same frames, as the suite does.
                out[f"start+{n}"] = foot_terms(cons.analyse(npz, src, start))
                out[f"start+{n}"]["base"] = foot_terms(cons.analyse(base_npz, src, start))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cache", type=Path, required=True)
    ap.add_argument("--clips", default="treadmill")
    args = ap.parse_args(argv)
    for name in args.clips.split(","):
        rows = reports(name, args.cache)
        b = rows["base"]
        print(f"## {name}  base: row {b['row']}, ref L {b['ref_left']:.2f} R "
              f"{b['ref_right']:.2f}, read L {b['read_left']:.2f} R {b['read_right']:.2f}")
        print(f"  {'transform':12s}   row   readL   refL  readR   refR   (change, deg)")
        for t, r in rows.items():
            if t == "base":
                continue
            ref = r.pop("base", b)
            print(f"  {t:12s} {_delta(ref['row'], r['row'])} "
                  f"{_delta(ref['read_left'], r['read_left'])} "
                  f"{_delta(ref['ref_left'], r['ref_left'])} "
                  f"{_delta(ref['read_right'], r['read_right'])} "
                  f"{_delta(ref['ref_right'], r['ref_right'])}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

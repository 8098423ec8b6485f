"""Split each consistency row of the foot angle at contact into reading and reference.

The foot angle at initial contact (IC) of a stance is the foot angle read just before IC
(:mod:`gaitcheck.metrics.foot`) minus the foot's flat-foot reference
(:func:`gaitcheck.metrics.sagittal_frame._flat_foot_deg`: the median foot angle over
0.35–0.55 of each IC → TO stance, clipped to ±8°). The clip's value is the mean over
every contact of both feet. A row of the consistency suite (``benchmarks/consistency.py``)
moves through either term. This prints, per transformed clip and per foot (near and
far; a mirror relabels left and right), the change against the untransformed clip of

* ``read``: the median reading at IC (per-stance value + the foot's reference), deg;
* ``ref``: the flat-foot reference, deg (the value moves by ``read − ref``);
* ``row``: the clip's foot-angle value, deg (what the suite's row is);

then three floors (``FLOOR_SCALE`` × median over the rows without the halves, as
:mod:`gaitcheck.metrics.systematic` computes them): the clip's value, one leg's mean
(the larger change of the near and the far leg) and the near − far difference (the floor
of the foot-angle symmetry index).

``--reference`` replaces the reference for the run:

* ``window``: the product's (the default);
* ``flat``: the flat frames. Each stance frame is weighted by how close heel and toe
  both are to their stance lows: 1 at the low, 0 at 0.10 foot lengths up, about a 6°
  tilt. Each stance with ≥ 0.5 frame of weight gives a weighted median; the reference
  is the median of those stances when there are at least 5, else the window;
* ``const``: a fixed −8° (no reference at all: the rows are then the readings alone).

Only the analysis runs (seconds): it needs a consistency cache whose landmarks exist
(``--cache``, read-only; nothing is written there).

Why the flat frames were tried, and why they were not adopted (stop 23, cache
``/work/coord/cache-base``; ``--clips treadmill,walking,synth60``):

* **The window passes heel-off on the real clip's far (right) foot.** With toe-off at
  the shoe tip its stances are ~1.2 frame longer. The foot lies flat for about one 30 fps
  frame (IC + 2.5…3): there the shoe looks flat in the pixels and heel → foot_index reads
  −1.7…+1.5°. After that it tips toes-down with the heel 0.07–0.12 foot lengths up. The
  window reads −7.11°; the flat frames read −3.32°. The near foot reads −10.8° either way
  and is clipped to −8°. With the flat frames both feet's mean contact angles agree
  (19.87 / 19.92°); with the window they do not (19.87 / 23.71°). The flat-frame
  reference does not move when toe-off moves ±1.5 frames; the window moves 1.5–2.2° on
  exact synthetic tracks.
* **The clip's floor falls, 2.58 → 1.30°** (median |row| 1.17 → 0.57°). Treadmill rows:
  - roll −4°: 3.39 → 0.69;
  - mirror: 1.37 → 0.09;
  - start+15: 2.23 → 0.30;
  - off-centre: 1.17 → 2.65;
  - first half: 0.04 → 1.98.

  Rendered 60 fps: fps30 1.34 → 1.98, roll +4° 1.80 → 2.51. The walking rows do not
  change: at most two of her three stances show a flat frame.
* **But the fall is cancellation between the legs, not a steadier reference.** The far
  foot's per-stance flat readings are bimodal (about −1° or −9°, one or two frames per
  stance), so their median jumps between copies:
  - base −3.3°, the transformed copies −4.1…−8°;
  - the far leg's mean moves +1.7…+5.9° in every copy (window: −1.7…+2.2; no reference:
    −2.0…+5.1);
  - the near leg's readings move −3…−11° in most copies, which cancels it in the mean.

  One leg's floor goes 4.52 → 5.80°, and the near − far difference floor 4.15 → 8.13°
  (no reference: 2.98°). Every variant measured does the same (leg / difference floor):
  - rise tolerance 0.05 (hard) 6.05 / 7.43;
  - 0.08: 4.74 / 6.72;
  - 0.12: 5.76 / 8.06;
  - lowest frame per stance 5.92 / 6.90;
  - frames pooled over stances 5.45 / 7.22;
  - trimmed mean of stances 5.83 / 7.79.

  The window's ±8° clip is what holds both feet steady: it pins the far foot at −8° in
  most copies.
* **Other guards:**
  - heel-striker render against its per-contact truth (README's evaluation example):
    bias −0.7 → −0.9°, limits −2.5…+1.2 → −2.9…+1.0°;
  - rendered 60 fps against its truth 15.0°: 15.51 → 15.16°;
  - synthetic truth (10 s runners, realistic artefacts seeds 0–7 and exact tracks):
    neutral. Rearfoot error −2.45 → −2.18°, forefoot +1.6 → +2.4°, largest 3.11 →
    3.19°, so ``test_realistic_artefacts`` keeps its 3.2° tolerance;
  - with 3 stances instead of 5, a 3 s rendered runner and its mirror read 1.16° apart
    (``tests/test_canonical_model.py`` allows 1.0°), and with 4, 0.91°;
  - seams (``seam_metrics.py``): real clip K=3 foot angle 1.55 → 0.29°, K=2 0.71 → 0.46°.
* **The walking mirror's 2.97° is no consistent reference either.** With no reference
  it is 4.45°. Her two copies' window references are −11.7° (clipped to −8°) and −4.3°,
  and they cancel 1.5° of reading change.

Usage::

    python benchmarks/flat_foot_reference.py --cache DIR [--clips treadmill,walking,synth60]
        [--reference window|flat|const]
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
FAR = {"left": "right", "right": "left"}


def foot_terms(report: dict[str, Any]) -> dict[str, Any]:
    """Value, and per near / far foot the reference and median reading at IC, deg."""
    m = report["metrics"].get("foot_strike") or {}
    ref = m.get("flat_foot_reference_deg") or {}
    near = report["view"].get("near_side")
    out: dict[str, Any] = {"row": m.get("value")}
    for role, s in (("near", near), ("far", FAR.get(near or ""))):
        per = ((m.get("per_side") or {}).get(s) or {}).get("per_stride") or [] if s else []
        vals = np.array([v for v in per if v is not None], dtype=float)
        r = ref.get(s) if s else None
        out[f"ref_{role}"] = r
        out[f"read_{role}"] = (float(np.median(vals)) + r) if len(vals) and r is not None \
            else None
        out[f"mean_{role}"] = float(np.mean(vals)) if len(vals) else None
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


def flat_frame_deg(sag: np.ndarray, stances: tuple[Any, ...], side: str) -> float:
    """The flat-frame reference measured here (``--reference flat``), deg, clipped to ±8°."""
    import gaitcheck.metrics.formulas as f
    from gaitcheck.landmarks import LM
    from gaitcheck.metrics import sagittal_frame as sf

    heel, toe = sag[:, LM[f"{side}_heel"]], sag[:, LM[f"{side}_foot_index"]]
    foot_len = float(np.nanmedian(np.hypot(*(toe - heel).T)))
    flat = []
    for st in stances:
        if st.side != side or not np.isfinite(st.to):
            continue
        rows = np.arange(max(0, int(np.ceil(st.ic))), min(len(sag) - 1, int(np.floor(st.to))) + 1)
        h, q = heel[rows, 1], toe[rows, 1]
        if len(rows) < 2 or not (np.isfinite(h).any() and np.isfinite(q).any()):
            continue
        rise = np.maximum(h - np.nanmin(h), q - np.nanmin(q)) / foot_len
        angle = f.foot_angle_deg(heel[rows], toe[rows])
        w = np.clip(1.0 - rise / FLAT_RISE, 0.0, 1.0)
        keep = np.isfinite(w) & np.isfinite(angle) & (w > 0)
        if w[keep].sum() >= MIN_STANCE_FLAT_WEIGHT:
            order = np.argsort(angle[keep])  # weighted median, interpolated
            xs, ws = angle[keep][order], w[keep][order]
            flat.append(float(np.interp(0.5 * ws.sum(), np.cumsum(ws) - 0.5 * ws, xs)))
    if len(flat) < MIN_FLAT_STANCES:
        return _WINDOW[0](sag, stances, side)
    limit = sf.FLAT_FOOT_LIMIT_DEG
    return float(np.clip(np.median(flat), -limit, limit))


#: ``--reference flat``: a frame's weight is 0 once heel or toe is this far (foot
#: lengths) above its stance low; a stance needs this much weight; a foot this many
#: stances (fewer: the window).
FLAT_RISE, MIN_STANCE_FLAT_WEIGHT, MIN_FLAT_STANCES = 0.10, 0.5, 5
#: The product's window reference, kept when ``use_reference`` patches it.
_WINDOW: list[Any] = []


def use_reference(kind: str) -> None:
    """Patch the analysis' flat-foot reference: ``window`` (the product's), ``flat``,
    ``const``."""
    import gaitcheck.metrics.sagittal_frame as sf

    if kind == "window":
        return
    _WINDOW[:] = [sf._flat_foot_deg]
    limit = sf.FLAT_FOOT_LIMIT_DEG

    def const(sag: np.ndarray, stances: tuple[Any, ...], side: str) -> float:
        return -limit

    sf._flat_foot_deg = {"flat": flat_frame_deg, "const": const}[kind]  # type: ignore


def _floor(changes: dict[str, float]) -> float:
    from gaitcheck.metrics.systematic import FLOOR_SCALE

    kept = [abs(v) for k, v in changes.items() if not k.endswith("-half")]
    return FLOOR_SCALE * float(np.median(kept)) if kept else float("nan")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cache", type=Path, required=True)
    ap.add_argument("--clips", default="treadmill")
    ap.add_argument("--reference", choices=("window", "flat", "const"), default="window")
    args = ap.parse_args(argv)
    use_reference(args.reference)
    rows: dict[str, float] = {}
    legs: dict[str, float] = {}
    diffs: dict[str, float] = {}
    for name in args.clips.split(","):
        terms = reports(name, args.cache)
        b = terms["base"]
        print(f"## {name}  base: row {b['row']}, ref near {b['ref_near']} far {b['ref_far']}, "
              f"read near {b['read_near']} far {b['read_far']}")
        print(f"  {'transform':12s}   row  readN   refN  readF   refF   (change, deg)")
        for t, r in terms.items():
            if t == "base":
                continue
            ref = r.pop("base", b)
            key = f"{name}/{t}"
            if ref["row"] is not None and r["row"] is not None:
                rows[key] = r["row"] - ref["row"]
            means = [ref["mean_near"], ref["mean_far"], r["mean_near"], r["mean_far"]]
            if None not in means:
                a0, a1, b0, b1 = means
                legs[key] = max(abs(b0 - a0), abs(b1 - a1))
                diffs[key] = (b0 - b1) - (a0 - a1)
            print(f"  {t:12s} {_delta(ref['row'], r['row'])} "
                  f"{_delta(ref['read_near'], r['read_near'])} "
                  f"{_delta(ref['ref_near'], r['ref_near'])} "
                  f"{_delta(ref['read_far'], r['read_far'])} "
                  f"{_delta(ref['ref_far'], r['ref_far'])}")
    if rows:
        print(f"\nfloors ({args.reference} reference), deg: clip value {_floor(rows):.2f}, "
              f"one leg {_floor(legs):.2f}, near - far difference {_floor(diffs):.2f}; "
              f"median |row| over all {float(np.median(np.abs(list(rows.values())))):.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

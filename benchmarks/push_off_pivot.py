"""Where each foot's shoe pivots in push-off, and the toe reach read from it (issue 14).

On the consistency cache's rendered 60 fps runner (``synth60``, exact truth in
``base.truth.json``) prints, per copy and foot:

1. **push-off heights** (``--heights``), px above each landmark's flat-stance level in
   the untransformed picture (a rolled copy rotated back), mean over the 8 stances,
   frames −4…+3 around the render's toe-off: the exact heel and tip, MediaPipe's heel and
   foot_index, and ``u*``, the instantaneous pivot reach: the point ``u*`` heel →
   foot_index lengths beyond foot_index whose height does not change over that frame
   step (``Δtoe / (Δheel − Δtoe)``; 0 on the exact tip while it pivots);
2. **reach** per foot: the push-off ratios of :func:`gaitcheck.events.pivot.pivot_ratios`
   (count, median ρ, its standard error), the reach :func:`~gaitcheck.events.pivot.
   pivot_reach` gives, the toe-offs − truth (final, frames) and the contact time; with
   ``--fixed`` the backend's fixed reach (``toe_pivot_sd`` 0, the last release).

Usage::

    python benchmarks/push_off_pivot.py --cache /work/coord/cache-base [--fixed]
        [--copies base,roll+4,roll-4,dim,mirror] [--heights]

Measured 2026-12-03 on ``/work/coord/cache-base`` (fixed reach 0.15 → own reach, prior SD
0.05):

=======  ===========  ============  =================  ==================  ===============
copy     u near/far   ρ SE n/f      near TO − truth    far TO − truth      contact ms (Δ f)
=======  ===========  ============  =================  ==================  ===============
base     .077 / .105  .017 / .016   +0.93 → +0.32      +1.28 → +0.77       280.5 → 271.2
roll+4   .176 / .204  .022 / .025   +0.61 → +0.70      +0.32 → +0.31       −0.85 → −0.25
roll−4   .110 / .271  .048 / .018   −0.13 → −0.49      −0.51 → +0.94       −1.17 → −0.06
dim      .132 / .153  .024 / .030   −0.79 → −0.94      −0.10 → −0.07       −2.06 → −1.55
mirror   .098 / .089  .020 / .013   +0.38 → −0.14      +1.45 → +0.69       −0.37 → −0.46
=======  ===========  ============  =================  ==================  ===============

(Δ f: contact time against the untransformed clip, frames; truth 250 ms.) The heights
show why one reach cannot fit: in push-off the exact tip stays at 0 until the render's
toe-off and rises 3–4 px in the next frame. MediaPipe's foot_index rises with the heel
by only ρ ≈ 0.07–0.09 of its rise on the untransformed clip (``u*`` 0–0.08 in the frames
before toe-off), but by 0.15–0.22 on roll +4's feet and roll −4's far foot (``u*``
0.1–0.3, after a 3–5 px slide up at heel-off on roll +4). The fixed 0.15 therefore put
the untransformed clip's tip point 2–5 px below the belt, and the band crossing waited
for it. Per foot, the median ratio is that foot's placement (the mirror's feet read
0.098 / 0.089, the clip's 0.077 / 0.105). The real walking clip's 2–3 push-offs a foot
give ratios spread 0.3–0.8, so there the prior keeps about 0.15 (its toe-offs against
the labels −1.04 → −0.99). What is left on ``dim`` is its landmarks: in 3 of 8 near-foot
push-offs foot_index jumps 35–55 px up within a frame of the toe-off, it creeps 5–7 px up
in the others, and the ICs read 0.5 frame later than the clip's (``roll_contacts.py``).

The price is noise: a reach read from each copy's own push-offs moves with that copy's
landmarks, so the suite's median contact-time change rises 0.26 → 0.31 frames (largest
2.06 → 1.55; rows over target 11 → 10; prior SD 0.06: 0.32, 0.03: 0.30 with dim 1.62),
and the real clip's ``--jobs 3`` split foot angle 1.55 → 1.74° (``seam_metrics.py``).
Tried and not adopted: the ratio of heights instead of one-sample rises (``toe / heel``
while the heel is more than 4 or 8 bands up and the toe within its cap): median 0.19
frame and dim 0.86, but roll +4 reads +1.33…+1.48 frames: its far foot_index's 3–5 px
slide at heel-off stays in every later height ratio (ρ 0.27, reach 0.36), so the point
sinks through the pivot and the toe-offs read 2.2 frames late; the one-sample rise
follows the pivot after the slide, and :func:`gaitcheck.events.cues.rest_height` reads
the toe-off from the slide's rest.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import roll_contacts
import toe_off_mirror

import gaitcheck.events.pivot as pivot
from gaitcheck.landmarks import LM


def height_table(cache: Path, copies: list[str], before: int = 4, after: int = 3) -> None:
    """Print the push-off heights and ``u*`` (see the module doc)."""
    truth, near = roll_contacts.truth_events(cache)
    doc = json.loads((cache / "synth60" / "base.truth.json").read_text())
    exact = np.asarray(doc["landmarks_px"], dtype=np.float64)
    print(f"push-off, px above flat stance, frames {-before}..{after} around true TO")
    for foot in ("near", "far"):
        side = near if foot == "near" else ("right" if near == "left" else "left")
        for copy in ["exact", *(c for c in copies if c != "mirror")]:  # not unflipped
            px = exact if copy == "exact" else roll_contacts.back_rotated(cache, copy)[0]
            heel, toe = px[:, LM[f"{side}_heel"], 1], px[:, LM[f"{side}_foot_index"], 1]
            acc: dict[str, list[np.ndarray]] = {"heel": [], "toe": []}
            for ic, to in truth[side]:
                k = round(to)
                if k + after >= len(px) or ic < 2:
                    continue
                flat = slice(int(ic + 0.4 * (to - ic)), int(ic + 0.6 * (to - ic)) + 1)
                for name, y in (("heel", heel), ("toe", toe)):
                    acc[name].append(np.nanmedian(y[flat]) - y[k - before:k + after + 1])
            h, t = (np.nanmean(acc[n], axis=0) for n in ("heel", "toe"))
            with np.errstate(all="ignore"):
                u = np.diff(t) / (np.diff(h) - np.diff(t))
            print(f"  {foot:4s} {copy:7s} heel " + " ".join(f"{x:+6.1f}" for x in h))
            print(f"  {'':12s} toe  " + " ".join(f"{x:+6.1f}" for x in t))
            print(f"  {'':12s} u*   {'':3s}" + " ".join(f"{x:+6.2f}" for x in u))


def reach_table(cache: Path, copies: list[str]) -> None:
    """Print each foot's push-off ratios, reach, toe-offs − truth and contact time."""
    truth, near = roll_contacts.truth_events(cache)
    product = pivot.pivot_reach
    seen: list[tuple[int, float, float, float]] = []

    def recorded(ratios: list[float], prior: float, sd: float) -> float:
        u = product(ratios, prior, sd)
        seen.append((len(ratios), *pivot.ratio_median(ratios), u))
        return u

    pivot.pivot_reach = recorded  # type: ignore[assignment]
    try:
        print("reach per foot: n ratios, median ρ ± SE → u; TO − truth (final, frames)")
        for copy in copies:
            seen.clear()
            with contextlib.redirect_stdout(io.StringIO()):
                rows, report = toe_off_mirror.stances_of(
                    *toe_off_mirror.copy_paths(cache, "synth60", copy))
            ct = (report["metrics"].get("ground_contact_ms") or {}).get("value")
            # foot_stances runs the left foot, then the right, per segment; last pass.
            by_side = dict(zip(("left", "right"), seen[-2:], strict=False))
            own_near = report["view"].get("near_side", near)  # the mirror swaps labels
            cells = []
            for foot in ("near", "far"):
                side = near if foot == "near" else ("right" if near == "left" else "left")
                own = own_near if foot == "near" else (
                    "right" if own_near == "left" else "left")
                n, med, se, u = by_side.get(own, (0, np.nan, np.nan, np.nan))
                cells.append(f"{foot} {n:2d} {med:+.3f} ± {se:.3f} → {u:.3f} "
                             f"TO {_to_error(rows, truth[side], foot):+5.2f}")
            print(f"  {copy:7s} " + " | ".join(cells) + f" | contact {ct:6.1f} ms")
    finally:
        pivot.pivot_reach = product  # type: ignore[assignment]


def _to_error(rows: list[dict[str, Any]], events: list[tuple[float, float]],
              foot: str) -> float:
    """Mean final toe-off − truth of one foot's stances matched by IC (±4 frames)."""
    err = []
    for r in rows:
        if r["foot"] != foot or not (np.isfinite(r["ic"]) and np.isfinite(r["to"])):
            continue
        ic_t, to_t = min(events, key=lambda e: abs(e[0] - r["ic"]))
        if abs(ic_t - r["ic"]) <= 4:
            err.append(r["to"] - to_t)
    return float(np.mean(err)) if err else float("nan")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cache", type=Path, required=True)
    ap.add_argument("--copies", default="base,roll+4,roll-4,dim,mirror")
    ap.add_argument("--fixed", action="store_true", help="the backend's fixed reach")
    ap.add_argument("--heights", action="store_true", help="also the push-off heights")
    args = ap.parse_args()
    copies = args.copies.split(",")
    if args.fixed:
        pivot_reach = pivot.pivot_reach
        pivot.pivot_reach = lambda r, prior, sd: pivot_reach(r, prior, 0.0)  # type: ignore
    if args.heights:
        height_table(args.cache, copies)
    reach_table(args.cache, copies)


if __name__ == "__main__":
    main()

"""How the anchor-to-event lag's pooling moves gait events under tiny landmark changes.

For each lag estimator (:func:`variant_lags`, patched into the detector: time-window
half-width and soft-median width, strides) it prints, on the passes cached by
``benchmarks/seam_cache.py``:

* **stability**: the ``--jobs 2/3`` splits against the single pass (largest angle
  change, contact time change in frames, contacts moved), and the single pass started
  3/15/45 frames late against the single pass's same frames (the start floor);
* **accuracy**: contacts (and toe-offs, where the truth has them) of the single pass
  against truth: the shared real clip's hand labels and the rendered samples'
  ``truth.json``; and the synthetic-track cases of ``benchmarks/event_accuracy.py``
  (no pose model), summed.

Measured on the seam cache (``--variants inf:0,inf:0.1,inf:0.2,3:0,5:0,inf:0:cross,
inf:0.2:cross --floor 3,15,45 --seeds 2``, 2026-12-02). Largest change of an angle read
at a gait event (knee/foot/shank at IC, hip extension at TO), degrees, against the single
pass; ``sN``: the landmarker started N frames late against the single pass's same frames:

=====================  =====  =====  =====  =====  =====  =====  ======
case                   now    soft   soft   local  local  cross  cross +
                              0.1    0.2    3      5             soft 0.2
=====================  =====  =====  =====  =====  =====  =====  ======
heel-striker K=2       3.32   2.80   2.64   1.67   1.50   0.40   0.42
heel-striker K=3       0.82   0.64   0.88   0.63   0.91   0.38   0.37
heel-striker s3        2.62   2.18   2.28   3.53   4.08   1.93   1.93
heel-striker s15       0.74   0.69   0.75   1.00   1.17   1.98   1.86
heel-striker s45       1.13   0.98   0.83   1.09   0.99   0.60   0.51
real clip K=2          1.41   1.21   1.39   1.73   2.15   1.41   1.39
real clip K=3          1.35   1.10   0.98   0.96   1.86   1.89   1.75
real clip s3           0.94   0.58   0.38   1.72   1.53   2.15   2.00
real clip s15          2.58   2.18   1.77   1.41   1.76   3.48   2.19
real clip s45          0.78   1.09   0.94   1.95   1.73   0.89   1.04
overground K=2         0.90   1.02   1.02   1.71   0.90   3.16   2.23
overground s15         1.45   4.22   4.37   5.77   2.69   2.25   5.57
real ICs within ±1 f   33/34  33/34  33/34  31/34  32/34  33/34  33/34
synthetic TO bias, f   −0.02  −0.03  −0.03  −0.01  +0.00  +0.79  +0.78
synthetic TO SD, f     0.29   0.27   0.27   0.37   0.31   0.38   0.37
=====================  =====  =====  =====  =====  =====  =====  ======

``now``: the clip-wide per-foot weighted median (the product's). The variants live in
this module and :func:`set_variant` patches them into the detector. ``soft w``: its soft
median, kernel w strides. ``local n``: lags pooled within n strides (tricube). ``cross``:
the direct toe-off as the interpolated band crossing (continuous in the landmarks) instead
of the square-root extrapolation through two samples, which jumps by up to a frame when
one sample crosses the band. Only ``cross`` brings the heel-striker split within ±1°, but
it reads toe-offs 0.8 frame late on exact synthetic tracks (``test_events`` fails), moves
the real clip's foot strike through the flat-foot reference window (read between IC and
TO in :mod:`gaitcheck.metrics.sagittal_frame`) and the overground sample's few toe-offs.
The soft and local lags trade one clip for another (the overground sample has 3 stances
per foot, so a soft median is nearly their mean and one lost contact moves it). The
seam-replay decomposition (heel-striker K=2, hip extension at TO; the lag replay is
``benchmarks/seam_metrics.py``, the others replayed the same way in a one-off script):
replaying the single pass's lags 3.32 → 0.69°, its ground-band jitter 3.32 → 2.47°, its
belt speed or stride period 3.32 → 3.32°; the left foot's TO lags (direct − anchor) are
−3.9…−8.1 frames, and after the seam two of seven appear or vanish and one moves by
3.6 frames, so every estimator over them moves.

Usage::

    python benchmarks/event_lag_study.py --cache DIR [--variants inf:0,4:0,...]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))
from seam_cache import CLIPS, load, plan_bounds, to_pass  # noqa: E402
from seam_metrics import angle_gaps, emulate, reporter  # noqa: E402

REAL_TRUTH = HERE.parent.parent / "shared" / "videos" / "treadmill_side_30fps.truth.json"


# The variants below are this study's, not the product's: ``set_variant`` patches them
# into the event detector (``gaitcheck.events``), whose default is the clip-wide per-foot
# weighted median (:func:`gaitcheck.events.lags.stance_lags`) and the square-root
# toe-off (:func:`gaitcheck.events.cues.lift_index`).


def soft_weighted_median(x: np.ndarray, w: np.ndarray, soft: float) -> float:
    """Weighted median of ``x`` with each value spread uniformly over ``x ± soft / 2``
    (same unit as ``x``): the mixture's median, continuous in ``x`` and ``w``; the plain
    weighted median for ``soft <= 0``."""
    from gaitcheck.events.lags import weighted_median

    if soft <= 0.0:
        return weighted_median(x, w)
    half = 0.5 * soft
    # The mixture CDF is piecewise linear between the kernel edges: find the segment
    # where it crosses one half and interpolate.
    knots = np.unique(np.concatenate([x - half, x + half]))
    cdf = (w[None, :] * np.clip((knots[:, None] - (x - half)) / soft, 0.0, 1.0)).sum(
        axis=1) / w.sum()
    k = int(np.searchsorted(cdf, 0.5, side="left"))
    if k == 0:
        return float(knots[0])
    c0, c1 = cdf[k - 1], cdf[k]
    t = 0.0 if c1 == c0 else (0.5 - c0) / (c1 - c0)
    left = float(knots[k - 1] + t * (knots[k] - knots[k - 1]))
    # Where the CDF rests at one half (a gap between kernels) the median is the middle
    # of that stretch, which moves continuously with the values.
    last = int(np.searchsorted(cdf, 0.5, side="right")) - 1
    return 0.5 * (left + float(knots[last])) if last > k else left


def _tricube(d: np.ndarray) -> np.ndarray:
    """Tricube kernel of ``d`` in window half-widths: 1 at 0, 0 from 1 on, smooth."""
    return np.clip(1.0 - np.abs(d) ** 3, 0.0, None) ** 3


#: Least summed (time-windowed) weight for a local lag; below it the segment's is used.
MIN_LOCAL_WEIGHT = 0.5


def variant_lags(direct: np.ndarray, anchor: np.ndarray, weight: np.ndarray,
                 sides: np.ndarray, at: np.ndarray, period: float,
                 window_strides: float, soft: float) -> np.ndarray:
    """Anchor-to-event lag of every stance (as :func:`gaitcheck.events.lags.stance_lags`),
    pooled within a tricube window ``window_strides`` strides wide around each stance
    (``at``, fractional rows; ``inf``: the whole segment) by a soft median ``soft``
    strides wide (0: the plain weighted median)."""
    from gaitcheck.events.lags import MIN_WEIGHT
    from gaitcheck.events.signals import SIDES

    lag_of = direct - anchor
    ok = np.isfinite(lag_of) & (weight > 0)
    width = soft * period if np.isfinite(period) else 0.0
    out = np.full(len(direct), np.nan)

    def pooled(mask: np.ndarray, w: np.ndarray) -> float:
        use = mask & ok & (w > 0)
        if w[use].sum() < MIN_WEIGHT:
            return float("nan")
        return soft_weighted_median(lag_of[use], w[use], width)

    if not np.isfinite(window_strides):
        both = pooled(np.ones(len(direct), bool), weight)
        own = {s: pooled(sides == s, weight) for s in SIDES}
        for k in range(len(direct)):
            out[k] = own[sides[k]] if np.isfinite(own[sides[k]]) else both
        return out
    # Which stances calibrate a foot is decided on the whole segment, as the clip-wide
    # estimator does: a foot the model barely sees borrows both feet's lag everywhere.
    both_ok = pooled(np.ones(len(direct), bool), weight)
    mask = {s: (sides == s) if np.isfinite(pooled(sides == s, weight))
            else np.ones(len(direct), bool) for s in SIDES}
    span = window_strides * period
    for k in range(len(direct)):
        if not np.isfinite(at[k]) or not np.isfinite(both_ok):
            continue
        use = mask[sides[k]] & ok
        w = weight * np.where(np.isfinite(at), _tricube((at - at[k]) / span), 0.0)
        if w[use].sum() < MIN_LOCAL_WEIGHT:
            # Nothing well seen nearby (a long occlusion): the segment's lag.
            w = weight
        out[k] = soft_weighted_median(lag_of[use & (w > 0)], w[use & (w > 0)], width)
    return out


def crossing_lift_index(up: np.ndarray, ground: float, band: float, start: float,
                        stop: float) -> float:
    """Toe-off as :func:`gaitcheck.events.cues.lift_index` finds it, but read as the band
    crossing interpolated between the samples either side (continuous in the samples;
    1 frame late on exact tracks) instead of the square-root extrapolation."""
    from gaitcheck.events.cues import last_ground_sample

    h = up - ground
    j, settled = last_ground_sample(h, band, start, stop)
    if j is None:
        return settled
    return float(j + (band - h[j]) / (h[j + 1] - h[j]))


_ORIGINAL: dict[str, Any] = {}


def set_variant(window: float, soft: float, pool: tuple[str, ...] = ()) -> None:
    """Patch the event detector with one variant (``inf``, 0, (): the product's own).

    ``pool`` may hold ``"ic"`` / ``"to"`` (that kind's lag pooled over both feet) and
    ``"cross"`` (:func:`crossing_lift_index`)."""
    import gaitcheck.events.cues as cues
    import gaitcheck.events.detect as detect
    import gaitcheck.events.lags as lags
    import gaitcheck.events.stances as stances

    if not _ORIGINAL:
        _ORIGINAL.update(lift=cues.lift_index, calibrated=stances.anchor_calibrated)
    cues.lift_index = crossing_lift_index if "cross" in pool else _ORIGINAL["lift"]
    kinds = tuple(k for k in pool if k in ("ic", "to"))
    if not np.isfinite(window) and soft <= 0.0 and not kinds:
        stances.anchor_calibrated = detect.anchor_calibrated = _ORIGINAL["calibrated"]
        return
    original = _ORIGINAL["calibrated"]

    def calibrated(found: list, period: float, *args: Any) -> list:
        # Where each stance is, for the time window: its heel peak (the IC anchor), else
        # its toe trough, else its direct IC.
        at = np.array([next((v for v in (s.peak, s.trough, s.ic_direct)
                             if np.isfinite(v)), np.nan) for s in found])
        calls = iter(("ic", "to"))  # anchor_calibrated asks for IC lags, then TO lags

        def lag(direct: np.ndarray, anchor: np.ndarray, weight: np.ndarray,
                sides: np.ndarray, **_: Any) -> np.ndarray:  # its own pooling
            if next(calls) in kinds:
                sides = np.full(len(sides), "left")
            return variant_lags(direct, anchor, weight, sides, at, period, window, soft)
        product = lags.stance_lags
        lags.stance_lags = lag
        try:
            return original(found, period, *args)
        finally:
            lags.stance_lags = product
    stances.anchor_calibrated = detect.anchor_calibrated = calibrated


def truth_of(clip: Path) -> tuple[str, list[dict], list[dict]] | None:
    """Facing, IC and TO truth (``time_s``, ``side``) of a clip, where known."""
    from ast import literal_eval

    if clip.stem == "treadmill_side_30fps":
        if not REAL_TRUTH.is_file():
            return None
        t = json.loads(REAL_TRUTH.read_text())
        near = "left" if t["facing"] == "left" else "right"
        side = {"near": near, "far": "right" if near == "left" else "left"}
        ic = [{"time_s": c["time_s"], "side": side[c["foot"]]}
              for c in t["contacts"]["list"]]
        return t["facing"], ic, []
    path = clip.with_suffix(".truth.json")
    if not path.is_file():
        return None
    t = json.loads(path.read_text())
    view = t["view"]
    if not view.startswith("side"):
        return None
    contacts = literal_eval(t["contacts"]) if isinstance(t["contacts"], str) else t["contacts"]
    ic = [{"time_s": c["time_s"], "side": c["side"]} for c in contacts]
    to = [{"time_s": c["toe_off_s"], "side": c["side"]} for c in contacts
          if c.get("toe_off_s") is not None]
    return view.split("-")[1], ic, to


def accuracy(tracks: Any, truth: tuple[str, list[dict], list[dict]], fps: float) -> str:
    from gaitcheck.evaluation import match_events
    from gaitcheck.events import detect_gait_events

    facing, ic, to = truth
    ev = detect_gait_events(tracks, facing)
    cells = []
    for kind, found, ref in (("IC", ev.contacts, ic), ("TO", ev.toe_offs, to)):
        if not ref:
            continue
        m1 = match_events(found, ref, 1.0 / fps + 1e-6)
        m3 = match_events(found, ref, 3.0 / fps + 1e-6)
        t1, t3 = m1.timing(), m3.timing()
        cells.append(f"{kind} ±1f {m1.n_true_positives}/{len(ref)} (FP {m1.n_false_positives}) "
                     f"bias {t1.bias * fps:+.2f} SD {t1.sd * fps:.2f}; ±3f "
                     f"{m3.n_true_positives} bias {t3.bias * fps:+.2f} SD {t3.sd * fps:.2f}")
    return "; ".join(cells)


def describe(a: dict, b: dict, fps: float) -> str:
    """Largest angle change of b against a (and of the angles read at gait events),
    contact time change and contacts moved."""
    from gaitcheck.metrics.event_timing import READ_AT

    gaps = angle_gaps(a, b)
    worst = max(gaps, key=lambda n: abs(gaps[n]), default="-")
    at_events = {n: v for n, v in gaps.items() if n in READ_AT}
    ev = max(at_events, key=lambda n: abs(at_events[n]), default="-")
    move, odd = ic_moves(a, b)
    return (f"largest angle {abs(gaps.get(worst, 0.0)):5.2f} ({worst}), at events "
            f"{abs(at_events.get(ev, 0.0)):5.2f} ({ev}); contact time "
            f"{contact_frames(a, b, fps):+.2f} f; IC moved ≤{move:.0f} f, {odd} lost/added")


def contact_frames(a: dict, b: dict, fps: float) -> float:
    va = a["metrics"].get("ground_contact_ms", {}).get("value")
    vb = b["metrics"].get("ground_contact_ms", {}).get("value")
    if isinstance(va, (int, float)) and isinstance(vb, (int, float)):
        return (vb - va) * fps / 1000.0
    return float("nan")


def ic_moves(a: dict, b: dict) -> tuple[float, int]:
    """Largest |shift| (frames) of a's contacts matched in b (same side, ±3), and how
    many were lost or added."""
    ca = [(c["frame"], c["side"]) for c in a["events"]["contacts"]]
    cb = [(c["frame"], c["side"]) for c in b["events"]["contacts"]]
    worst, odd = 0.0, 0
    for f, s in ca:
        near = [abs(g - f) for g, t in cb if t == s and abs(g - f) <= 3]
        if near:
            worst = max(worst, min(near))
        else:
            odd += 1
    odd += sum(1 for g, t in cb if not any(s == t and abs(g - f) <= 3 for f, s in ca))
    return worst, odd


def clip_rows(clip: Path, cache: Path, floor: list[int]) -> list[str]:
    from gaitcheck.video.reader import VideoReader

    passes = load(cache, clip)
    info = VideoReader(clip).info
    report = reporter(clip, to_pass(passes[0]))
    single, tracks = report(to_pass(passes[0]))
    rows = []
    truth = truth_of(clip)
    if truth is not None:
        rows.append(f"  accuracy: {accuracy(tracks, truth, info.fps)}")
    for k in (2, 3):
        bounds = plan_bounds(clip, k)
        if len(bounds) < 2 or any(b[0] not in passes for b in bounds[1:]):
            continue
        split = report(emulate(passes, bounds, info.width, info.height)[0])[0]
        rows.append(f"  K={k}: {describe(single, split, info.fps)}")
    for s in floor:
        if s not in passes:
            continue
        ref = report(to_pass(passes[0], s))[0]
        late = report(to_pass(passes[s]))[0]
        rows.append(f"  start+{s}: {describe(ref, late, info.fps)}")
    return rows


def synthetic_summary(seeds: int) -> str:
    from event_accuracy import synthetic

    rows = synthetic(seeds)
    out = []
    for kind in ("IC", "TO"):
        r = [x for x in rows if x["kind"] == kind]
        tp = sum(x["true_positives"] for x in r)
        fp = sum(x["false_positives"] for x in r)
        miss = sum(x["misses"] for x in r)
        bias = np.average([x["bias_frames"] for x in r], weights=[x["true_positives"] for x in r])
        sd = np.sqrt(np.average(np.square([x["sd_frames"] for x in r]),
                                weights=[x["true_positives"] for x in r]))
        out.append(f"{kind} TP {tp} FP {fp} miss {miss} bias {bias:+.3f} SD {sd:.3f}")
    return "; ".join(out)


def main(argv: list[str] | None = None) -> int:
    from gaitcheck.cli.native_stderr import native_stderr_silenced

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("clips", nargs="*", type=Path, default=CLIPS)
    parser.add_argument("--cache", type=Path, required=True)
    parser.add_argument("--variants", default="inf:0,3:0,3:0.05",
                        help="comma separated window_strides:soft_strides[:OPTS], OPTS "
                             "'+'-joined of ic, to (pooled over both feet), cross "
                             "(toe-off as the band crossing)")
    parser.add_argument("--floor", default="3,15,45")
    parser.add_argument("--seeds", type=int, default=2,
                        help="synthetic artefact seeds; 0: skip")
    args = parser.parse_args(argv)
    floor = [int(v) for v in args.floor.split(",") if v]
    with native_stderr_silenced(), np.errstate(all="ignore"):
        for variant in args.variants.split(","):
            parts = variant.split(":")
            window, soft = float(parts[0]), float(parts[1])
            pool = tuple(parts[2].split("+")) if len(parts) > 2 else ()
            set_variant(window, soft, pool)
            print(f"== lag window {window} strides, soft {soft} strides, both feet pooled "
                  f"for {pool or 'none'}", flush=True)
            for clip in args.clips:
                if (args.cache / f"{clip.stem}.npz").is_file():
                    print(f" {clip.stem}", flush=True)
                    for row in clip_rows(clip, args.cache, floor):
                        print(row, flush=True)
            if args.seeds:
                print(f" synthetic tracks: {synthetic_summary(args.seeds)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

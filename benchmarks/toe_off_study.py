"""Toe-off estimates continuous in the landmarks, measured against today's (issue 17).

Today's direct toe-off (:func:`gaitcheck.events.cues.lift_index`) extrapolates the square
root of the toe's height above its ground level through the last sample in the ground
band and the first above it: when one sample crosses the band the pair changes and the
estimate jumps by up to a frame (``tests/test_event_lags.py``), and every toe-off of the
foot moves with it through the pooled anchor lag (:mod:`gaitcheck.events.lags`). On pose
tracks a larger cause shows: the toe often rests 1.5–8 bands above the stance's ground
level just before it lifts, so whether (and where) a sample of that plateau dips into
the band decides the estimate: on the heel-striker sample the left foot's direct
toe-off − anchor lags spread −3.9…−8.1 frames, and after a seam three of seven change
by 1.5–3.6 frames or appear / vanish.

Variants (``--variants``, comma separated; patched into the detector, product untouched):

* ``now``: today's estimate;
* ``fit``: a hinge parabola ``h = a · max(0, t − t0)²`` fitted around the band crossing
  (tricube in time, taper in height): continuous, but it keeps the ground level;
* ``cross``: the interpolated band crossing (``benchmarks/event_lag_study.py``);
* ``knee``: :func:`knee_lift`, the knee of the rise: a hinge parabola with its own
  baseline fitted below half the rise's peak; no ground band in the decision;
* ``knee+MODE`` (``MODE[:N]``): ``edge``, today's estimate where the rise's peak is at the
  window's end or the fit at its bound; ``low:N``, today's below N bands of rise;
  ``blend:N``, the two mixed below N bands; ``extend``, a rise still climbing at the
  window's end followed to its first peak; a ``+nan`` suffix drops a fit at its bound.

Measured 2026-12-02 (seam cache of ``seam_cache.py``; consistency cache of the last
stop; largest angle change, degrees, of the split against the single pass; mirror rows
as ``consistency.py`` prints them, contact time in frames; ``over``: consistency rows
over target (+ categorical changes); synthetic: ``event_accuracy.py`` tracks, 2 seeds):

=======================  =========  =====  =====  =====  ======  =======  ======  =====
case                     now        fit    cross  knee   knee+   knee+    knee+   knee+
                                                         extend  blend:15 low:6   edge
=======================  =========  =====  =====  =====  ======  =======  ======  =====
heel-striker K=2         3.32       3.83   0.40   0.40   0.40    0.40     0.40    3.43
heel-striker K=3         0.82       1.08   0.38   0.49   0.49    0.37     1.60    0.59
real clip K=2            1.41       1.41   1.41   1.41   1.41    1.41     1.41    1.41
real clip K=3            1.35       1.16   1.89   0.79   1.09    1.10     0.87    1.49
overground K=2 (canon.)  2.86       3.21   2.41   2.41   2.41    2.41     2.41    2.80
overground K=2 (filmed)  0.90       0.61   3.16   1.55   1.55    1.55     1.55    11.04
heel render TO ±1 f      1/23       0/23   7/23   21/23  21/23   21/23    21/23   4/23
  its bias, frames       −2.23      −2.82  −1.15  +0.15  +0.15   +0.15    +0.15   −1.74
mirror contact synth60   1.56       1.30   1.40   0.38   0.26    0.38     0.38    0.29
mirror foot walking      3.18       5.21   3.16   0.67   0.68    5.74     3.20    3.23
mirror contact walking   0.48       1.21   0.73   0.53   0.49    0.24     0.87    1.20
mirror contact treadmill 0.04       0.51   0.18   0.75   0.76    0.46     0.73    0.08
over target              22         24     24     26     27      17       20      22
synthetic TO TP/FP       750/6      748/6  753/3  708/23 708/24  750/6    752/6   749/6
  bias / SD, frames      −0.02/.29  −.34   +.79   −.20   −.20    −.05/.27 −.05    −.05
=======================  =========  =====  =====  =====  ======  =======  ======  =====

The real clip's contacts against its labels are 33/34 within ±1 frame, bias +0.27,
SD 0.43 in every variant (toe-off does not enter the contacts). The real clip's K=2
change is knee flexion at contact: its left contacts after the seam move 0.5–0.7 frame
because the direct IC cues there move by up to 1.5 frames (and every stance's cue
quality moves with the segment-wide toe jitter), not the toe-off. The canonical
overground split's 2.41° is arm swing (with knee at contact 1.70°), in every variant.

Not adopted: the knee reads toe-offs of the rendered runners to the frame (heel striker
1 → 21 of 23 within ±1 frame; overground sample 0 → 5 of 8, bias −2.46 → +0.08 frames,
where today's reads 2.2–2.5 frames early) and brings the heel-striker splits and the 60
fps mirror's contact time within tolerance, but on the noisy walking clip (a rise of 2–6
bands) the fit finds no clear knee and moves its toe-offs: the walking transforms'
activity changes (crf35 and roll +4 read running with ``knee``), and the variants that
keep today's estimate for low rises (``low``, ``blend``) bring the walking mirror's foot
angle or the heel-striker K=3 back over tolerance: a switch between two estimates that
differ by ~2 frames is itself a jump. ``+nan`` (not in the table) moves the real clip's
splits to 1.91 / 2.15°.

The walking rows are at that clip's own floor: a plain CRF 18 re-encode (no flip) moves
its foot angle / contact time 2.41° / 2.73 f today, 0.64° / 5.18 f with ``knee`` (and
reads running), 3.31° / 4.07 f with ``knee+extend``, 0.11° / 1.84 f with
``knee+blend:15``. The 60 fps render's re-encode moves its contact time 0.89 f today and
0.13–0.26 f with every knee variant: there the knee removes a real instability. On the
synthetic tracks the knee is better for running with artefacts (bias −0.26…−0.40, SD
0.20–0.26 frame against −0.32…−0.48, 0.28–0.35) and fails walking with artefacts (7–12
of 19 toe-offs against 15–16): a walker's toe rises too slowly above the jitter for a
knee.

Usage::

    python benchmarks/toe_off_study.py --seam-cache DIR --consistency-cache DIR
        [--overground DIR] [--variants now,knee,knee+blend:15]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))

#: Half-width of the fit's tricube time window, samples (before and after the crossing).
FIT_WINDOW = 4.0
#: Height (in ground bands) from which a sample's fit weight tapers, and where it is 0:
#: the parabola holds only near the lift-off.
FIT_TAPER = (3.0, 6.0)
#: Lift-off times tried, samples before the band crossing (then refined).
FIT_SEARCH = 3.0


def _tricube(d: np.ndarray) -> np.ndarray:
    return np.clip(1.0 - np.abs(d) ** 3, 0.0, None) ** 3


def fit_lift(h: np.ndarray, crossing: float, band: float) -> float:
    """Lift-off time (fractional index) of the hinge parabola fitted to ``h`` (height
    above ground, NaN where missing) around its band ``crossing``."""
    i = np.arange(len(h), dtype=np.float64)
    w = _tricube((i - crossing) / FIT_WINDOW)
    lo, hi = FIT_TAPER
    w = w * np.clip((hi * band - np.nan_to_num(h, nan=np.inf)) / ((hi - lo) * band), 0, 1)
    use = (w > 0) & np.isfinite(h)
    t, y, w = i[use], h[use], w[use]

    def sse(t0: float) -> float:
        q = np.maximum(0.0, t - t0) ** 2
        den = float(np.sum(w * q * q))
        a = max(0.0, float(np.sum(w * y * q)) / den) if den > 0 else 0.0
        return float(np.sum(w * (y - a * q) ** 2))
    grid = crossing - np.arange(0.0, FIT_SEARCH + 1e-9, 0.05)
    cost = np.array([sse(g) for g in grid])
    best = float(grid[int(np.argmin(cost))])
    # Refined on a finer grid around the coarse minimum (the cost has a kink at a
    # sample, so a parabola through three grid points would be biased there).
    fine = best + np.arange(-0.05, 0.05 + 1e-9, 0.0025)
    return float(fine[int(np.argmin([sse(g) for g in fine]))])


#: Fractions of the rise's peak height over which a sample's weight in the knee fit falls
#: from 1 to 0.
KNEE_TAPER = (0.25, 0.5)
#: Where :func:`knee_lift` falls back to today's estimate: ``"edge"`` (variant
#: ``knee+edge``) where the rise's peak is at the window's end or the fit at its bound,
#: ``"low"`` (``knee+low``) where the rise is under ``KNEE_MIN_RISE`` bands, ``"blend"``
#: (``knee+blend``) a weighted mean of the two below it; ``"extend"`` (``knee+extend``):
#: never, and a rise still climbing at the window's end is followed to its first peak;
#: ``""``: never.
KNEE_FALLBACK = ""
#: Whether a knee fit at its search bound gives no estimate (variant suffix ``+nan``).
KNEE_BOUND_NAN = False
#: Least rise (ground bands) for the knee alone in variants ``knee+low`` and
#: ``knee+blend`` (``knee+blend:N``: N bands).
KNEE_MIN_RISE_DEFAULT = 15.0
KNEE_MIN_RISE = KNEE_MIN_RISE_DEFAULT


def _hinge_fit(t: np.ndarray, y: np.ndarray, w: np.ndarray, lo: float, hi: float) -> float:
    """``t0`` of the weighted least-squares fit ``y = c + a · max(0, t − t0)²`` (``a ≥ 0``)
    over ``t0`` in ``[lo, hi]``: a coarse grid, then a fine one around its minimum."""
    def sse(t0: float) -> float:
        q = np.maximum(0.0, t - t0) ** 2
        sw, sq, sqq = w.sum(), (w * q).sum(), (w * q * q).sum()
        sy, sqy = (w * y).sum(), (w * q * y).sum()
        det = sw * sqq - sq * sq
        a = (sw * sqy - sq * sy) / det if det > 1e-12 else 0.0
        a = max(a, 0.0)
        c = (sy - a * sq) / sw
        return float((w * (y - c - a * q) ** 2).sum())
    grid = np.arange(lo, hi + 1e-9, 0.05)
    best = float(grid[int(np.argmin([sse(g) for g in grid]))])
    fine = best + np.arange(-0.05, 0.05 + 1e-9, 0.0025)
    return float(fine[int(np.argmin([sse(g) for g in fine]))])


def knee_lift(up: np.ndarray, ground: float, band: float, start: float,
              stop: float) -> float:
    """Toe-off as the knee of the toe's rise: a hinge parabola with its own baseline
    (the toe's level just before it leaves, which on pose tracks often rests 1–8 ground
    bands above the stance's ground level) fitted to the samples around the last
    crossing of half the window's peak height before that peak. NaN when the toe does
    not rise 1.5 bands in ``[start, stop]`` or a sample at the crossing is missing."""
    h = up - ground
    # (Looking for the peak half a window past the end found the late-swing toe rise
    # of a rendered walker instead of its lift-off: "extend" follows the rise only.)
    a, b = max(1, int(np.ceil(start))), min(len(h) - 2, int(np.floor(stop)))
    seg = h[a:b + 1]
    if b <= a or not np.isfinite(seg).any():
        return float("nan")
    k = a + int(np.nanargmax(seg))
    if KNEE_FALLBACK == "extend":
        # A rise cut by the window's end (a walker's slow toe) runs on to its first
        # local peak: the fit needs the rise, not only its foot.
        while k + 1 < len(h) and np.isfinite(h[k + 1]) and h[k + 1] > h[k]:
            k += 1
    top = float(h[k])
    if top < 1.5 * band:
        return float("nan")
    level = 0.5 * top
    i = k - 1
    while i >= 0 and np.isfinite(h[i]) and h[i] > level:
        i -= 1
    if i < 0 or not np.isfinite(h[i]):
        return float("nan")
    crossing = i + (level - h[i]) / (h[i + 1] - h[i])
    half = max(3.0, 0.5 * (stop - start))
    t = np.arange(len(h), dtype=np.float64)
    w = _tricube((t - crossing) / half)
    # Samples high in the rise fade out (from KNEE_TAPER[0] of the peak height to
    # KNEE_TAPER[1]): the parabola holds near the lift-off only; none after the peak.
    lo, hi = KNEE_TAPER[0] * top, KNEE_TAPER[1] * top
    w = w * np.clip((hi - np.nan_to_num(h, nan=np.inf)) / (hi - lo), 0, 1) * (t <= k)
    use = (w > 0) & np.isfinite(h)
    t0 = _hinge_fit(t[use], h[use], w[use], crossing - half, crossing)
    if KNEE_BOUND_NAN and t0 <= crossing - half + 0.05:
        # The fit ran to its search bound: no knee in the window (a rise lost in the
        # pose jitter), so no direct estimate; the anchored one stands.
        return float("nan")
    if KNEE_FALLBACK == "edge" and (k >= b - 1 or t0 <= crossing - half + 0.05):
        # The rise runs past the window (its knee unseen) or the fit found no knee in
        # the window: today's estimate.
        return float(_ORIGINAL.get("lift", cues_lift())(up, ground, band, start, stop))
    if KNEE_FALLBACK == "blend":
        # Today's estimate weighted in where the rise is low (none from KNEE_MIN_RISE
        # bands up, all at half that): no switch between the two.
        w_knee = float(np.clip(2.0 * top / (KNEE_MIN_RISE * band) - 1.0, 0.0, 1.0))
        if w_knee < 1.0:
            now = float(_ORIGINAL.get("lift", cues_lift())(up, ground, band, start, stop))
            if np.isfinite(now):
                return w_knee * t0 + (1.0 - w_knee) * now
        return t0
    if KNEE_FALLBACK == "low" and top < KNEE_MIN_RISE * band:
        # A rise within the pose jitter's reach (a walker's toe on noisy tracks): its
        # knee is not measurable, today's estimate.
        return float(_ORIGINAL.get("lift", cues_lift())(up, ground, band, start, stop))
    return t0


def cues_lift() -> Any:
    import gaitcheck.events.cues as cues

    return cues.lift_index


def lift_variant(kind: str) -> Any:
    """A ``lift_index`` replacement: the same search as today's, read as ``kind``."""
    if kind.startswith("knee"):
        global KNEE_FALLBACK, KNEE_MIN_RISE, KNEE_BOUND_NAN
        mode, _, rise = kind.removeprefix("knee").removeprefix("+").partition(":")
        KNEE_BOUND_NAN = mode.endswith("+nan")
        mode = mode.removesuffix("+nan")
        KNEE_FALLBACK, KNEE_MIN_RISE = mode, float(rise or KNEE_MIN_RISE_DEFAULT)
        return knee_lift
    def lift(up: np.ndarray, ground: float, band: float, start: float,
             stop: float) -> float:
        h = up - ground
        j_hi = min(len(h) - 2, int(np.floor(stop)))
        for j in range(j_hi, max(1, int(np.ceil(start))) - 1, -1):
            if not np.all(np.isfinite(h[j - 1:j + 2])):
                return float("nan")
            if not (h[j] <= band and h[j - 1] <= 2 * band):
                continue
            if not np.isfinite(h[j + 1]) or h[j + 1] <= band:
                return float("nan") if j == j_hi else float(j)
            crossing = j + (band - h[j]) / (h[j + 1] - h[j])
            if kind == "cross":
                return float(crossing)
            if kind == "now":
                r0, r1 = np.sqrt(max(h[j], 0.0)), np.sqrt(h[j + 1])
                return float(max(j - 1, j - r0 / (r1 - r0)))
            return fit_lift(h, crossing, band)
        return float("nan")
    return lift


_ORIGINAL: dict[str, Any] = {}


def set_toe_off(kind: str) -> None:
    """Patch the detector's direct toe-off with ``kind`` (``now``: today's)."""
    import gaitcheck.events.cues as cues

    _ORIGINAL.setdefault("lift", cues.lift_index)
    cues.lift_index = _ORIGINAL["lift"] if kind == "now" else lift_variant(kind)


def make_overground(folder: Path) -> None:
    """Pose of the overground sample as ``gaitcheck analyze`` runs it (canonical facing),
    single pass and ``--jobs 2`` split as ``tests/test_segments_equivalence.py`` splits
    it, saved as ``jobs1.npz`` and ``jobs2.npz`` (the seam cache holds the landmarkers'
    raw output of the unflipped frames)."""
    from gaitcheck.pipeline import AnalyzeOptions, run_video
    from gaitcheck.pose import segments
    from gaitcheck.tracks.io import save_tracks_npz

    clip = HERE.parent / "sample_videos" / "overground_forefoot_side.mp4"
    folder.mkdir(parents=True, exist_ok=True)
    saved, segments.MIN_SEGMENT_S = segments.MIN_SEGMENT_S, 1.5  # as the test splits
    try:
        for jobs in (1, 2):
            npz = folder / f"jobs{jobs}.npz"
            if not npz.is_file():
                save_tracks_npz(run_video(clip, AnalyzeOptions(jobs=jobs)).tracks, npz)
    finally:
        segments.MIN_SEGMENT_S = saved


def overground_rows(folder: Path) -> str:
    """Largest angle change and differences of the ``--jobs 2`` pass against the single
    pass (``jobs1.npz``, ``jobs2.npz`` in ``folder``)."""
    from equivalence import differences
    from seam_metrics import angle_gaps

    from gaitcheck.pipeline import AnalyzeOptions, build_result
    from gaitcheck.tracks.io import load_tracks

    one, two = (build_result(load_tracks(folder / f"jobs{k}.npz"), AnalyzeOptions()).report
                for k in (1, 2))
    gaps = angle_gaps(one, two)
    worst = max(gaps, key=lambda n: abs(gaps[n]), default="-")
    return (f"  overground K=2 (canonical): largest angle {abs(gaps.get(worst, 0)):.2f} "
            f"({worst}); differences {differences(one, two)}")


def consistency_rows(cache: Path) -> list[str]:
    """The consistency suite's mirror rows, its failures and largest changes."""
    import consistency

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        consistency.main(["--cache", str(cache)])
    lines = out.getvalue().splitlines()
    keep = [ln.split("(")[0] if ln.startswith("## ") else
            " ".join(c for c in ln.split() if c == "mirror" or c.startswith(("foot_", "ground_c")))
            for ln in lines if ln.startswith("## ") or "mirror" in ln]
    tail = lines[next(i for i, ln in enumerate(lines) if ln.startswith("largest")):]
    marks = sum(ln.count("!") + ln.count("CHANGED") for ln in lines if ln.startswith("  "))
    return [*(f"  {ln[:150]}" for ln in keep), f"  rows over target: {marks}",
            *(f"  {ln}" for ln in tail)]


def main(argv: list[str] | None = None) -> int:
    from event_accuracy import labelled
    from event_lag_study import clip_rows, synthetic_summary
    from seam_cache import CLIPS

    from gaitcheck.cli.native_stderr import native_stderr_silenced

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seam-cache", type=Path, required=True)
    parser.add_argument("--consistency-cache", type=Path, required=True)
    parser.add_argument("--overground", type=Path,
                        help="folder of the overground sample's passes (made if absent)")
    parser.add_argument("--variants", default="now,fit")
    parser.add_argument("--floor", default="3,15,45")
    parser.add_argument("--seeds", type=int, default=2)
    args = parser.parse_args(argv)
    floor = [int(v) for v in args.floor.split(",") if v]
    real = args.consistency_cache / "treadmill" / "base.landmarks.npz"
    labels = HERE.parent.parent / "shared" / "videos" / "treadmill_side_30fps.truth.json"
    with native_stderr_silenced(), np.errstate(all="ignore"):
        if args.overground:
            make_overground(args.overground)
        for kind in args.variants.split(","):
            set_toe_off(kind)
            print(f"== toe-off: {kind}", flush=True)
            for clip in CLIPS:
                if (args.seam_cache / f"{clip.stem}.npz").is_file() and "side" in clip.stem:
                    print(f" {clip.stem}", flush=True)
                    for row in clip_rows(clip, args.seam_cache, floor):
                        print(row, flush=True)
            if args.overground:
                print(overground_rows(args.overground), flush=True)
            if real.is_file() and labels.is_file():
                for r in labelled(real, labels):
                    print(f"  real clip {r['case']}: {r['true_positives']}/"
                          f"{r['true_positives'] + r['misses']} FP {r['false_positives']} "
                          f"bias {r['bias_frames']:+.2f} SD {r['sd_frames']:.2f}", flush=True)
            for row in consistency_rows(args.consistency_cache):
                print(row, flush=True)
            if args.seeds:
                print(f"  synthetic tracks: {synthetic_summary(args.seeds)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

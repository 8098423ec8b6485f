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
* ``knee``: the knee of the rise (``toe_off_variants.knee_lift``): a hinge parabola
  with its own baseline fitted below half the rise's peak; no ground band decides;
* ``knee+MODE`` (``MODE[:N]``): ``edge``, today's estimate where the rise's peak is at the
  window's end or the fit at its bound; ``low:N``, today's below N bands of rise;
  ``blend:N``, the two mixed below N bands; ``extend``, a rise still climbing at the
  window's end followed to its first peak; a ``+nan`` suffix drops a fit at its bound;
* ``KIND@run``: ``KIND`` only where today's events found a run
  (``toe_off_variants.set_toe_off``);
* ``pivot:REACH[+own]``: the direct toe-off read on the shoe's push-off pivot beyond
  foot_index, and each foot's own toe-off lag (``toe_off_pivot.py``; table below).

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

``knee@run`` (events detected with today's toe-off, and again with the knee when that
found a run; kept if the run stays a run) is the best candidate: the activity and a
walker's events are today's. Heel-striker K=2 / K=3 0.40 / 0.49°, real clip K=2 / K=3
1.41 / 0.79°, canonical overground 2.41° (arm swing); rendered toe-offs as ``knee``;
60 fps mirror contact 0.38 f; real-clip ICs unchanged; synthetic TO 753 / 6 FP, bias
−0.06, SD 0.28; consistency rows over target 22 → 19 (target rows changed by > 0.3: 19
better, 9 worse: synth60 dim contact 2.16 → 3.40 f; real treadmill mirror contact 0.04
→ 0.75 f, roll +4 contact 0.27 → 0.74 f, half foot 0.27 → 1.20°, crf35 foot 0.56 →
1.09°; walking half foot 2.04 → 3.32° and its activity None → run). Against the 60 fps
render's truth (hip extension at toe-off 14.0°, contact 250 ms, duty factor 35.4 %) it
reads 14.0°, 267 ms, 37.8 % where today reads 7.0°, 212 ms, 29.8 %; on the real clip
(no toe-off labels) it moves hip extension at toe-off 7.5 → 5.0° and contact time 219 →
198 ms. Not adopted: the real clip's contact-time rows get noisier (its re-encode alone
0.11 → 0.66 f) and the reported toe-off metrics shift by up to 7° and 55 ms, a change
that needs real toe-off labels before it ships. The knee is also sensitive to its own
height taper (``KNEE_TAPER``, (0.25, 0.5) above): (0.35, 0.7) moves the real clip's K=3
to 1.86° and the canonical overground to 2.66°; (0.5, 1.0) the heel-striker K=2 to
1.85°, the real clip's K=2 / K=3 to 2.09 / 2.46° and the synthetic toe-off bias to
−0.86 frame. On the real clip its rise is 0 → 4 bands in one frame, so the knee is
placed from the drift of the stance samples before it (one stance: today's 67.00, the
knee's 65.87, the first sample off the ground at 68).

Against real toe-off labels (``benchmarks/data/treadmill_side_30fps.toe_off.json``, 34
toe-offs of the real treadmill clip read by eye, blind to every variant; a label is the
first frame the shoe's tip is off the belt, so an exact estimate scores about −0.5
frame; rows of :func:`toe_label_rows`, cached landmarks of the consistency cache; pairs
one-to-one per foot within 5 frames; bias detected − label, frames):

=========================  =========  =========  =========  ===========  =========
real clip toe-offs         now        knee@run   cross      knee+blend15 fit
=========================  =========  =========  =========  ===========  =========
±1 f of label (all 34)     4          3          14         3            3
±1 f of label − ½          9          4          26         6            8
bias / SD all, frames      −1.90/.69  −2.54/.76  −1.02/.68  −2.12/.67    −2.06/.73
bias near (left, 17)       −1.49      −2.15      −0.60      −1.77        −1.56
bias far (right, 17)       −2.29      −2.90      −1.43      −2.44        −2.53
±1 f / bias, 23 certain    3 / −1.93  3 / −2.54  9 / −1.03  3 / −2.13    3 / −2.07
=========================  =========  =========  =========  ===========  =========

Every variant pairs 33 of 34 labels (the first, frame 4, has no detected stance). The
labels give a contact time of 288 ms (8.6 frames) where today's events read 219 ms:
today's toe-offs are early on the real runner too, by about as much as on the render.
``knee@run`` moves every real toe-off a further 0.3–1.0 frame earlier (bias −1.90 →
−2.54), so the render's gain (1 → 21 of 23) does not carry over to the real clip; its
rise there is a jump of several bands in one frame and the knee is placed on the drift
of the stance samples before it. ``cross`` is the least early on both (real −1.02,
render −1.15) but fails the consistency rows above. No variant is better on both the
real labels and the render truth; none is adopted.

Push-off pivot (``pivot:…``, :mod:`toe_off_pivot`; why it was tried is in its docstring:
foot_index rises with the shoe's rotation before the tip leaves the belt, and the shoe
tip lies 0.14–0.23 heel → foot_index lengths beyond it in the real clip's pixels).
Measured 2026-12-02 as above; real: the 34 labels (target after the −½ convention:
bias −1.2…+0.2); heel render: its exact truth, 23 toe-offs; 60 fps render: contact
time, truth 250 ms; real contact time from the labels ~288 ms; consistency: rows over
target and the 60 fps render's mirror contact-time row (frames); synthetic: 2 seeds:

======================== =========== =========== =========== =========== =========== ===========
case                     now         0+own       0.15        0.15+own    0.2+own     auto1+own
======================== =========== =========== =========== =========== =========== ===========
real TO bias / SD, f     −1.90/.69   −1.45/.59   −1.45/.72   −1.04/.59   −0.93/.59   −0.99/.59
  near / far bias        −1.49/−2.29 −1.49/−1.42 −0.96/−1.90 −0.96/−1.12 −0.83/−1.02 −0.95/−1.02
  ±1 f of label (34)     4           7           8           14          20          19
heel render TO ±1 f (23) 1           1           21          21          21          20
  its bias, frames       −2.23       −2.23       +0.39       +0.39       +0.66       −0.20
heel render K=2 / K=3, ° 3.32/0.82   3.32/0.82   0.40/0.64   0.40/0.64   0.40/0.37   2.23/1.63
real clip K=2 / K=3, °   1.41/1.35   —           —           1.41/1.55   1.41/1.56   1.41/1.74
60 fps render contact, ms 212         212         —           281         286         247
real clip contact, ms    219         234         —           247         248         251
mirror contact synth60, f 1.56        1.79        0.37        0.37        0.38        3.14
consistency over target  22          24          19          19          18          25
synthetic TO TP / FP     750/6       750/6       721/23      730/26      619/90      750/6
  bias, frames           −0.02       −0.03       +1.21       +1.22       (nan)       +0.28
======================== =========== =========== =========== =========== =========== ===========

(``pool1+own``: real −1.05, heel render −0.71 (20/23 within ±3 f), K=2 6.37°,
consistency 28 over target, synthetic +0.30; ``auto+own``, the fit window ending at
foot_index's own lift-off: real −1.11, heel render −2.21, synthetic −0.01 — the fit has
too few late-stance samples on the render.)

Not adopted. A fixed reach (0.15–0.2, the shoe tip the pixels show) with each foot's
own toe-off lag brings the real labels (−1.90 → −0.93) and the heel render (−2.23 →
+0.39…+0.66) within the target, fixes the heel-striker splits and improves the
consistency rows (22 → 18–19; the walking half-resolution activity change goes away),
but it breaks the exact synthetic tracks (TP 750 → 619–730, bias +1.2 f): there
foot_index *is* the pivot, and a point beyond it sinks below the ground as the heel
rises and stays "down" after the lift-off. It also overshoots the 60 fps render
(contact 212 → 281–286 ms against 250 ms truth): the reach depends on where the pose
model puts foot_index on that particular shoe, so a constant is tuned to one foot.
Fitting the reach per foot (``auto1``: the toe's height against the heel's rise over
the late stance up to one sample past foot_index's lift-off) keeps the synthetic
tracks (+0.28 f, no TP loss) and reads the 60 fps render's contact time to 3 ms, but
the fitted reach moves between passes: heel-striker splits 2.23 / 1.63°, the 60 fps
mirror's contact time 1.56 → 3.14 f, its start+3 / start+15 0.48 / 0.84 → 1.50 / 2.21 f,
consistency 22 → 25 over target. ``+own`` alone (no reach) moves the far foot from
−2.29 to −1.42 (today the far foot, visibility ~0.77, takes the near foot's lag, whose
direct − anchor differs from its own by ~1 f) but not the near foot. What is left on
the real clip with any reach (~−0.5 f after the convention): the tip drops from the
ground level to clearly airborne between two samples and the square-root extrapolation
then puts the lift-off on the last ground sample, the start of the 33 ms interval.

Adopted since as ``0.15+own``, with the reach a property of the landmark source
(:func:`gaitcheck.landmarks.toe_reach_for`: 0.15 for MediaPipe tracks, 0 for exact
synthetic ones, so the exact tracks keep 750/6, bias −0.03 f as in the ``0+own``
column). Re-measured on the product (same caches): real labels −1.04 / SD 0.59, 14 of
34 within ±1 (near −0.96, far −1.12), contacts 33/34, +0.27; heel render 21/23, +0.39;
K=2 / K=3 0.40 / 0.64°; contact time real 247 ms, 60 fps render 281 ms; consistency
22 → 19 over target, mirror contact time treadmill +0.04 → −0.16, 60 fps render −1.56 →
−0.37, half 1.42 → 0.59, walking half 8.28 → 0.22, but walking mirror +0.48 → +1.29,
60 fps render roll +4 / −4 −2.04 → −3.99 / +0.88 → −1.23 frames (target 1). Since then the
product's ``now`` is that column, and ``pivot:`` variants switch the product's reach off
(:mod:`toe_off_pivot`).

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

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))

from toe_off_variants import set_toe_off  # noqa: E402


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


def toe_label_rows(landmarks: Path, labels: Path, toe_labels: Path) -> str:
    """The real clip's toe-offs against the hand labels of ``toe_labels``: pairs within
    ±1 frame of the labels, bias and SD (frames, detected − label), for all labels, the
    near and far foot and the labels not flagged uncertain."""
    from event_accuracy import labelled_toe_offs

    rows = labelled_toe_offs(landmarks, labels, toe_labels)
    return "\n".join(
        f"  real clip TO {r['case'].split()[1]:8s} {r['within_1']:2d}/{r['n_labels']} within ±1 f"
        f" ({r['within_1_mid']:2d} of label−½)  paired ±5 f {r['true_positives']:2d}"
        f"  bias {r['bias_frames']:+.2f}"
        f"  SD {r['sd_frames']:.2f}" for r in rows)


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
    toe_labels = HERE / "data" / "treadmill_side_30fps.toe_off.json"
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
                if toe_labels.is_file():
                    print(toe_label_rows(real, labels, toe_labels), flush=True)
            for row in consistency_rows(args.consistency_cache):
                print(row, flush=True)
            if args.seeds:
                print(f"  synthetic tracks: {synthetic_summary(args.seeds)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Per contact, what a seam moves (issue 17): the IC, its direct cues, and the readings.

For each cached clip (``benchmarks/seam_cache.py``) and each ``--jobs K`` split (emulated
as ``benchmarks/seam_metrics.py`` does), every stance of the single pass is paired with
the split's stance of the same foot nearest in time, and one row per stance prints the
change (split − single) of:

* ``ic``: the final initial contact, frames; ``dir``: its direct estimate; ``vert`` and
  ``hor``: the vertical (heel or toe down on the ground) and horizontal (carried at the
  belt speed) cues (:mod:`gaitcheck.events.cues`); ``snr``: the descent-to-jitter ratio
  (single → split), which decides whether the vertical cue is taken alone
  (:func:`gaitcheck.events.stances._direct_ic`);
* ``to``: the final toe-off, frames;
* the per-stance readings, degrees: foot angle at IC, knee flexion at IC, hip extension
  at TO, arm swing of the stride; ``knee@ic1``: the split's knee read at the single
  pass's IC (what the landmarks alone move).

Rows where an angle moves by more than ``--show`` degrees or a time by more than 0.5
frame are printed (all with ``--all``), then per reading the largest change and the
largest change with the single pass's events (landmarks alone).

``--start-floor DIR`` pairs a consistency cache's ``base`` with its ``start+N`` passes
(the single pass's start floor) and ``--pair A B`` two landmark files of one video.

What it showed (stop 23): on the real treadmill clip the readings, not the ICs, carried
the jumps. The ICs move 0.2-0.3 frame RMS (their direct cues 0.7-0.9 frame: the vertical
cue often by exactly one frame, where :func:`gaitcheck.events.cues.landing_index` is
capped at its first sample in the ground band), but knee flexion at contact, read on the
two whole frames around the IC, jumped by up to 10° whenever an IC crossed a frame
boundary, and arm swing by up to 5° (now read from IC to IC on poses interpolated at
the sub-frame contact times).

Knee flexion at contact read as the least over the poses interpolated ±0.5 frame around
the IC (continuous, the same span on average) was measured and not adopted: real clip
K=2 1.41 → 0.46°, its start floor 2.80 → 1.82°, per-stance change under the consistency
transforms 3.3-7.3° RMS against 3.7-8.3°; but at the report level the consistency
suite's knee median 0.44 → 0.58°, its largest row (rendered 60 fps, CRF 35) 3.28 →
3.63°, the treadmill start+3 / start+15 rows 0.02 / 0.12 → 0.73 / 0.32° and the short
samples' start floors 0.53 → 0.64° (heel striker), 0.31 → 0.59° (overground): the least
of noisy poses shifts with the landmarks' noise (commit 08bccdb, reverted). Nor were
the knee at the interpolated IC pose (three synthetic truth tests fail: it reads
3.6° more flexed on the real clip) or 15 ms before it (knee median 0.76°).

Two continuous IC cues were measured and not adopted (``gaitcheck.events`` unchanged):

* a landing time continuous in the samples (the band-entry time plus the descent rate
  extrapolated, or a soft blend of the two candidate last-above-band samples): exact
  synthetic IC bias 0.00 → +0.21 frame, or unchanged with the blend, but no consistent
  gain: per-stance IC change RMS real clip K=2 0.27 → 0.25, K=3 0.21 → 0.23 frame,
  heel-striker K=2 0.17 → 0.05, K=3 0.16 → 0.25, start+15 0.28 → 0.30;
* a linear ramp from the cue average to the vertical cue alone below
  ``vertical_snr`` (instead of a switch): synthetic misses 24 → 30 and one real contact
  fewer matched to its label (33 → 32).

The residual is the landmarks themselves: read at the single pass's ICs the split's
landmarks alone move the knee at contact 2.0° RMS per stance on the real clip.

Later in stop 23 (issues 14, 17): the IC lags of an even count now take the mean of the
middle two (as the toe-off lags; on these clips the ICs do not change: no two IC
weights tie exactly), and four more continuous landing cues, among them the mirror
image of :func:`gaitcheck.events.cues.lift_index`, were measured and not adopted
(``benchmarks/landing_variants.py``: the mirror reads exact synthetic ICs 0.23-0.49
frame late; a cap half a sample after the band crossing keeps the synthetic truth but
takes the consistency suite's knee-at-IC median 0.44 → 0.79°). With that cap the
vertical cue's real-clip moves are 0.5-0.8 frame rather than whole frames, and 1.8-2.4
frames where the descent-to-jitter ratio crosses ``vertical_snr`` or the heel is read as
already down. The last line per split prints the RMS change per stance of the IC, its
direct estimate and the two cues, frames (today: real clip K=2 0.26 / 0.70 / 0.69 /
0.61, K=3 0.21 / 0.66 / 0.70 / 0.55; heel striker K=2 0.17 / 0.35 / 0.35 / 0.54, K=3
0.16 / 0.31 / 0.31 / 0.85).

Usage::

    python benchmarks/seam_contacts.py --cache DIR [--jobs 2,3] [--all] [CLIP ...]
    python benchmarks/seam_contacts.py --start-floor CACHE/treadmill VIDEO
    python benchmarks/seam_contacts.py --pair single.npz split.npz VIDEO
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))
from seam_cache import CLIPS, load, plan_bounds, to_pass  # noqa: E402
from seam_metrics import emulate, reporter  # noqa: E402

READINGS = ("foot_strike", "knee_flexion_ic_deg", "hip_extension_to_deg", "arm_swing_deg")
#: Times whose RMS change per stance is printed, frames.
TIMES = ("ic", "direct", "vert", "hor")
SHORT = {"foot_strike": "foot", "knee_flexion_ic_deg": "knee", "hip_extension_to_deg": "hip",
         "arm_swing_deg": "arm"}


@contextlib.contextmanager
def recorded() -> Iterator[dict[str, Any]]:
    """Record the direct IC cues of every stance and the sagittal frame of one analysis.

    Yields a dict filled during the analysis: ``cues`` (one dict per call of
    :func:`gaitcheck.events.stances._direct_ic`: side, row offset, the cues) and
    ``frame`` (the last :class:`~gaitcheck.metrics.sagittal_frame.SagittalFrame`).
    """
    import gaitcheck.events.detect as detect
    import gaitcheck.events.stances as stances
    import gaitcheck.metrics.sagittal as sagittal

    out: dict[str, Any] = {"cues": [], "frame": None}
    direct, per_stance, foot_stances = (stances._direct_ic, sagittal.per_stance_values,
                                        detect.foot_stances)
    where: dict[str, Any] = {}

    def fs(f: Any, side: str, period: float, offset: int, *a: Any, **k: Any) -> Any:
        where.update(side=side, offset=offset, period=period)
        return foot_stances(f, side, period, offset, *a, **k)

    def d(vert: float, rate: float, hor: float, jump: float, jitter: float, vis: float,
          period: float, *a: Any, **k: Any) -> Any:
        ic, q = direct(vert, rate, hor, jump, jitter, vis, period, *a, **k)
        off = where["offset"]
        out["cues"].append({"side": where["side"], "vert": vert + off, "hor": hor + off,
                            "snr": rate / jitter if jitter > 0 else np.inf, "jump": jump,
                            "vis": vis, "direct": ic + off})
        return ic, q

    def ps(fr: Any) -> Any:
        out["frame"] = fr
        return per_stance(fr)

    stances._direct_ic, sagittal.per_stance_values, detect.foot_stances = d, ps, fs
    try:
        yield out
    finally:
        stances._direct_ic, sagittal.per_stance_values, detect.foot_stances = (
            direct, per_stance, foot_stances)


def contacts(analyse: Callable[[], Any]) -> tuple[list[dict], Any]:
    """One dict per stance of the analysis ``analyse()`` runs: events, cues, readings."""
    import gaitcheck.metrics.sagittal as sagittal

    with recorded() as rec:
        analyse()
    fr = rec["frame"]
    rows = []
    for k, st in enumerate(fr.stances):
        cue = min((c for c in rec["cues"] if c["side"] == st.side
                   and np.isfinite(c["direct"])),
                  key=lambda c: abs(c["direct"] - st.ic), default=None)
        row = {"side": st.side, "ic": st.ic, "to": st.to, "k": k}
        if cue is not None and abs(cue["direct"] - st.ic) < 3:
            row |= {c: cue[c] for c in ("vert", "hor", "snr", "direct")}
        for name in READINGS:
            v = sagittal.PER_STANCE[name](fr, k)
            row[name] = np.nan if v is None else v
        rows.append(row)
    return rows, fr


def knee_at(fr: Any, side: str, ic: float) -> float:
    """The knee reading of :func:`gaitcheck.metrics.sagittal.knee_flexion_at_ic` at ``ic``."""
    import dataclasses

    import gaitcheck.metrics.sagittal as sagittal

    k = next(i for i, s in enumerate(fr.stances) if s.side == side)
    stances = list(fr.stances)
    stances[k] = dataclasses.replace(stances[k], ic=ic)
    return float(sagittal.knee_flexion_at_ic(dataclasses.replace(fr, stances=tuple(stances)),
                                             k))


def table(ref: list[dict], other: list[dict], fr_other: Any, show: float,
          every: bool) -> dict[str, float]:
    """Print the paired rows; return the largest |change| per reading (and, as
    ``rms <name>``, the RMS change over the paired stances)."""
    worst: dict[str, float] = {}
    moved: dict[str, list[float]] = {n: [] for n in READINGS + TIMES}
    print("    side  ic(K=1)   d_ic  d_dir d_vert  d_hor  snr(1->K)   d_to  "
          + " ".join(f"{SHORT[n]:>6s}" for n in READINGS) + "  knee@ic1")
    for r in ref:
        same = [o for o in other if o["side"] == r["side"]]
        o = min(same, key=lambda o: abs(o["ic"] - r["ic"]), default=None)
        if o is None or abs(o["ic"] - r["ic"]) > 3:
            print(f"    {r['side'][0]}  {r['ic']:7.2f}  lost")
            continue
        d = {n: o[n] - r[n] for n in READINGS}
        for c in TIMES:
            v = o.get(c, np.nan) - r.get(c, np.nan)
            if np.isfinite(v):
                moved[c].append(v)
        for n, v in d.items():
            if np.isfinite(v):
                worst[n] = max(worst.get(n, 0.0), abs(v))
                moved[n].append(v)
        big = any(abs(v) > show for v in d.values() if np.isfinite(v)) or any(
            abs(o.get(c, np.nan) - r.get(c, np.nan)) > 0.5 for c in ("ic", "to"))
        if not (big or every):
            continue
        knee1 = knee_at(fr_other, r["side"], r["ic"]) - r["knee_flexion_ic_deg"]

        def g(c: str, o: dict = o, r: dict = r) -> float:
            return o.get(c, np.nan) - r.get(c, np.nan)
        print(f"    {r['side'][0]}    {r['ic']:7.2f} {g('ic'):+6.2f} {g('direct'):+6.2f} "
              f"{g('vert'):+6.2f} {g('hor'):+6.2f} {r.get('snr', np.nan):5.1f}->"
              f"{o.get('snr', np.nan):<5.1f} {g('to'):+6.2f}  "
              + " ".join(f"{d[n]:+6.2f}" for n in READINGS) + f"  {knee1:+6.2f}")
    return worst | {f"rms {n}": float(np.sqrt(np.mean(np.square(v)))) if v else 0.0
                    for n, v in moved.items()}


def study(clip: Path, cache: Path, jobs: list[int], show: float, every: bool) -> None:
    from gaitcheck.video.reader import VideoReader

    passes = load(cache, clip)
    info = VideoReader(clip).info
    report = reporter(clip, to_pass(passes[0]))
    single = to_pass(passes[0])
    ref, _ = contacts(lambda: report(single))
    _, single_tracks = report(single)
    print(f"{clip.name}: {len(ref)} stances")
    for k in jobs:
        bounds = plan_bounds(clip, k)
        if len(bounds) < 2 or any(b[0] not in passes for b in bounds[1:]):
            continue
        joined, seams = emulate(passes, bounds, info.width, info.height)
        print(f"  K={k}, seams at {[s.frame_index for s in seams]}")
        split, fr = contacts(lambda j=joined: report(j))
        worst = table(ref, split, fr, show, every)
        same_events, _ = contacts(lambda j=joined: report(j, single_tracks))
        alone = {}
        for r, o in zip(ref, same_events, strict=False):
            for n in READINGS:
                v = o[n] - r[n]
                if np.isfinite(v):
                    alone[n] = max(alone.get(n, 0.0), abs(v))
        print("    largest |change| per stance: " + ", ".join(
            f"{SHORT[n]} {worst.get(n, 0):.2f} (events of K=1: {alone.get(n, 0):.2f})"
            for n in READINGS))
        print("    RMS change per stance: " + ", ".join(
            f"{SHORT[n]} {worst.get(f'rms {n}', 0):.2f}" for n in READINGS))
        print("    RMS change per stance, frames: " + ", ".join(
            f"{n} {worst.get(f'rms {n}', 0):.2f}" for n in TIMES))


def late_start(base: Path, late: Path, video: Path, start: int, show: float,
               every: bool) -> None:
    """The start floor: cached landmarks of the single pass (``base``) from frame
    ``start`` on against a pass started there (``late``,
    ``benchmarks/consistency.py``'s ``start+N``)."""
    from consistency import analyse

    fps = 30.0
    first = (start - 0.25) / fps if start else None
    ref, _ = contacts(lambda: analyse(base, video, first))
    other, fr = contacts(lambda: analyse(late, video, first))
    print(f"{late.name} against {base.name} from frame {start}: {len(ref)} stances")
    worst = table(ref, other, fr, show, every)
    print("    largest |change| per stance: "
          + ", ".join(f"{SHORT[n]} {worst.get(n, 0):.2f}" for n in READINGS))
    print("    RMS change per stance: "
          + ", ".join(f"{SHORT[n]} {worst.get(f'rms {n}', 0):.2f}" for n in READINGS))
    print("    RMS change per stance, frames: "
          + ", ".join(f"{n} {worst.get(f'rms {n}', 0):.2f}" for n in TIMES))


def main(argv: list[str] | None = None) -> int:
    from gaitcheck.cli.native_stderr import native_stderr_silenced

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("clips", nargs="*", type=Path, default=CLIPS)
    parser.add_argument("--cache", type=Path, required=True)
    parser.add_argument("--jobs", default="2,3")
    parser.add_argument("--show", type=float, default=1.0,
                        help="print stances whose readings move more than this, deg")
    parser.add_argument("--all", action="store_true", help="print every stance")
    parser.add_argument("--start-floor", type=Path, default=None,
                        help="instead: a consistency cache folder (base.landmarks.npz and "
                             "start+N.landmarks.npz); the clip is the one video given")
    parser.add_argument("--pair", type=Path, nargs=2, default=None,
                        help="instead: two landmarks.npz of the one video given (a "
                             "single and a split run of gaitcheck analyze)")
    args = parser.parse_args(argv)
    if args.pair is not None:
        with native_stderr_silenced(), np.errstate(all="ignore"):
            late_start(*args.pair, args.clips[0], 0, args.show, args.all)
        return 0
    if args.start_floor is not None:
        with native_stderr_silenced(), np.errstate(all="ignore"):
            for late in sorted(args.start_floor.glob("start+*.landmarks.npz")):
                n = int(late.name.split("+")[1].split(".")[0])
                late_start(args.start_floor / "base.landmarks.npz", late, args.clips[0], n,
                           args.show, args.all)
        return 0
    with native_stderr_silenced(), np.errstate(all="ignore"):
        for clip in args.clips:
            if (args.cache / f"{clip.stem}.npz").is_file():
                study(clip, args.cache, [int(v) for v in args.jobs.split(",")], args.show,
                      args.all)
    return 0


if __name__ == "__main__":
    sys.exit(main())

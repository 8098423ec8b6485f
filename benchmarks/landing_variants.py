"""Continuous landing (IC vertical cue) variants, measured and not adopted (issues 14, 17).

:func:`gaitcheck.events.cues.landing_index` reads the contact by extrapolating the last
sample above the ground band down to the ground at the faster of the two last descent
rates, capped at the first sample in the band; between a single pass and a split pass
its vertical cue moved 0.7 frame RMS, often by exactly one frame where the cap bound
(``benchmarks/seam_contacts.py``). This script patches in continuous variants and scores
the ICs against synthetic truth (every case of ``benchmarks/event_accuracy.py``) and the
shared treadmill clip's labels:

* ``sqrt``: the mirror image of :func:`gaitcheck.events.cues.lift_index`: the time the
  square root of the height crosses ``√band`` (linear between the last sample above the
  band and the first in it), stepped forward by the time the square root needs from
  ``√band`` to 0 at its slope there (±0.5 sample), at most 1.5 samples;
* ``sqrt-one``: the same, slope over the sample before the crossing, at most 1 sample;
* ``lin``, ``lin-one``: the same on the height itself (a heel arriving at speed);
* ``ext``: the descent line over the sample before ``crossing − 0.5`` extrapolated
  from there to the ground, at most 0.5 sample after the crossing; ``ext2`` with the
  faster of the interpolated intervals either side;
* ``cap``: today's extrapolation capped half a sample after the band crossing instead
  of at the first sample in the band.

Measured (stop 23; drift = change of the exact synthetic IC bias, frames):

==========  ==============  ==============  ===============================
variant     exact bias      drift           real clip ±1 frame, bias, SD
==========  ==============  ==============  ===============================
today       −0.09…+0.22     —               33/34, +0.27, 0.43
sqrt        +0.35…+0.45     +0.23…+0.49     21/34, +0.46, 0.29
sqrt-one    +0.34…+0.55     +0.32…+0.52     23/34, +0.41, 0.31
lin         +0.26…+0.43     +0.21…+0.38     31/34, +0.35, 0.41
lin-one     +0.15…+0.36     +0.13…+0.28     24/34, +0.38, 0.36
ext, ext2   −0.01…+0.43     +0.06…+0.20     33/34, +0.28, 0.43
cap         −0.09…+0.22     +0.00…+0.03     33/34, +0.28, 0.44
==========  ==============  ==============  ===============================

Why the mirror image drifts late: a toe leaves the ground from rest, so the square
root of its height is straight through the lift-off; a heel arrives at speed and stops
(on exact tracks: heights 18.0, 9.4, 2.2, −0.3, −0.3 bands at one sample per step, the
contact at 42.35 between the last two). The band crossing interpolated between the last
sample above the band and the first in it straddles that kink, so it lies after the
contact, and the slope there is the slower mean across the kink: the step forward
overshoots. The one-sided slopes (``-one``, ``ext``) avoid the kink but not the
forefoot's toe, which hovers and then drops (8.4, 8.2, 3.2, 0 bands): its rate before
the crossing is the hover's. Only ``cap`` keeps the synthetic truth, and it failed the
label-free guards (with IC-lag midpoints, ``gaitcheck.events`` otherwise unchanged):

* seam (``seam_contacts.py``, per-stance RMS change, frames, today → cap): real clip
  K=2 IC 0.26 → 0.22, vertical cue 0.69 → 0.65; K=3 IC 0.21 → 0.24, vertical 0.70 →
  0.69; heel striker K=2 IC 0.17 → 0.15, vertical 0.35 → 0.27; K=3 0.16 → 0.13, 0.31 →
  0.26. The vertical cue's real-clip moves are no longer whole frames but 0.5–0.8 frame
  and, where the descent-to-jitter ratio crosses ``vertical_snr`` or the heel is read as
  already down, 1.8–2.4 frames: the landmarks themselves.
* ``seam_metrics.py``: real clip K=2 1.41° (knee at IC) → 0.54°, K=3 1.55° → 1.92°
  (foot angle), start+15 floor 2.70° → 3.42°;
* ``consistency.py`` (cache-base): rows over target 12 → 13, medians foot angle at IC
  0.84 → 0.99°, knee at IC 0.44 → 0.79°.

The discontinuity ``cap`` leaves is the faster of the two last rates switching to
another pair of samples when the last sample above the band enters it. A heel that
slows down onto the ground, heights 0.05, 0.018, x, 0.002, 0 at rows 2-6 with a band
of 0.01: as x goes from 0.0099 to 0.0101, today's estimate moves 3.56 → 5.00, ``cap``'s
3.56 → 4.51, the ``sqrt`` mirror's 5.49 → 5.51. The mirror reads that slowing heel
continuously but the synthetic heel, which arrives at speed, late: no one
extrapolation fits both approaches.

Usage::

    python benchmarks/landing_variants.py VARIANT [--seeds 2] [--json OUT]
        [--landmarks LANDMARKS.npz --labels TRUTH.json]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import event_accuracy

from gaitcheck.events import cues

Landing = Callable[[np.ndarray, float, float, float, float], tuple[float, float]]


def _interp(y: np.ndarray, t: float) -> float:
    return float(np.interp(t, np.arange(len(y)), y))


def variant(kind: str) -> Landing:
    """``landing_index`` with today's search and rate but another contact time."""
    def landing(up: np.ndarray, ground: float, band: float, start: float,
                stop: float) -> tuple[float, float]:
        h = up - ground
        i = cues.first_ground_sample(h, band, start, stop)
        if i is None:
            return float("nan"), 0.0
        if h[i - 1] <= band:
            return float(i), 0.0
        rate = float(max(h[i - 2] - h[i - 1], h[i - 1] - h[i]))
        entry = (i - 1) + (h[i - 1] - band) / (h[i - 1] - h[i])
        if kind == "cap":
            return float(min(entry + 0.5, (i - 1) + h[i - 1] / rate)), rate
        if kind in ("ext", "ext2"):
            a = entry - 0.5
            ha = _interp(h, a)
            slope = _interp(h, a - 1.0) - ha
            if kind == "ext2":
                slope = max(slope, ha - _interp(h, a + 1.0))
            est = a + ha / slope if slope > 0 else np.inf
            return float(min(est, entry + 0.5)), rate
        r = np.sqrt(np.maximum(h, 0.0)) if kind.startswith("sqrt") else h
        rb = float(np.sqrt(band)) if kind.startswith("sqrt") else band
        cross = (i - 1) + (r[i - 1] - rb) / (r[i - 1] - r[i])
        one = kind.endswith("-one")
        slope = (_interp(r, cross - 1.0) - _interp(r, cross) if one
                 else _interp(r, cross - 0.5) - _interp(r, cross + 0.5))
        step = rb / slope if slope > 0 else np.inf
        return float(cross + min(step, 1.0 if one else 1.5)), rate
    return landing


VARIANTS = ("today", "sqrt", "sqrt-one", "lin", "lin-one", "ext", "ext2", "cap")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("variant", choices=VARIANTS)
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--landmarks", type=Path)
    parser.add_argument("--labels", type=Path)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    if args.variant != "today":
        cues.landing_index = variant(args.variant)  # stances calls it through the module
    rows = [r for r in event_accuracy.synthetic(args.seeds) if r["kind"] == "IC"]
    if args.landmarks and args.labels:
        rows += event_accuracy.labelled(args.landmarks, args.labels)
    for r in rows:
        print(f"{r['case']:42s} {r['true_positives']:3d} {r['false_positives']:3d} "
              f"{r['misses']:3d} {r['bias_frames']:+5.2f} {r['sd_frames']:4.2f}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()

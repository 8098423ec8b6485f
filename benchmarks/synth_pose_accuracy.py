"""Pose accuracy on rendered synthetic runners, every view, in one run.

Prints, per view, the detection coverage and per landmark group the median and 90th
percentile error in pixels and in % of body height; for side views the gait events found
against the true ones (``gaitcheck.evaluation``: one-to-one per foot within 0.1 s); and
writes JSON.

Usage::

    python benchmarks/synth_pose_accuracy.py [--duration 4] [--json OUT.json]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from gaitcheck.synth.clip import ClipSpec
from gaitcheck.synth.params import GaitParams
from gaitcheck.synth.validate import GROUPS, pose_accuracy

VIEWS = ("side-left", "side-right", "front", "back", "oblique")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=4.0, help="clip length, s")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    results = [pose_accuracy(ClipSpec(GaitParams(duration_s=args.duration), view=view))
               for view in VIEWS]
    header = f"{'view':11s} {'coverage':>8s} {'height px':>9s} " + " ".join(
        f"{g[:10]:>10s}" for g in GROUPS)
    print("median landmark error, % of body height (px in brackets)")
    print(header)
    for r in results:
        cells = " ".join(f"{r['groups'][g]['median_pct']:4.1f}({r['groups'][g]['median_px']:3.0f})"
                         .rjust(10) for g in GROUPS)
        print(f"{r['view']:11s} {r['coverage']:8.1%} {r['body_height_px']:9.0f} {cells}")
    print("\ngait events vs truth (TP / FP / missed, bias and SD in ms, share within 1 frame)")
    for r in results:
        for kind, e in (r["events"] or {}).items():
            bias, sd = (f"{1000 * v:+6.1f}" if v is not None else "   n/a"
                        for v in (e["timing_bias_s"], e["timing_sd_s"]))
            within = f"{e['within_1_frame']:.0%}" if e["within_1_frame"] is not None else "n/a"
            print(f"{r['view']:11s} {kind}  {e['true_positives']:3d} / {e['false_positives']:2d}"
                  f" / {e['misses']:2d}   bias {bias}  sd {sd}  within 1 frame {within}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()

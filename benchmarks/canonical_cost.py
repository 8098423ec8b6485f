"""CPU cost of canonical facing, measured in one process with the variants alternated.

Runs the pose pass and analysis (``run_video``, one pass) on the shared treadmill clip
(faces left: canonical, nothing flipped) and on its mirror (faces right: the first 10
frames, a restart and a flip per frame), each with canonical facing and with the plain
backend, ``--repeat`` times in turn. Prints the process CPU seconds (every thread) and
wall seconds of each; the machine's other load makes single runs noisy, so compare the
medians of the alternated runs.

Usage::

    python benchmarks/canonical_cost.py --mirror DIR/treadmill/mirror.mp4 [--repeat 3]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from consistency import SHARED, transform


def cpu_s() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def main(argv: list[str] | None = None) -> int:
    from gaitcheck.pipeline import AnalyzeOptions, _mediapipe_backend, run_video

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mirror", type=Path, required=True, help="mirror clip (made if absent)")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    src = SHARED / "treadmill_side_30fps.mp4"
    mirror = transform(src, args.mirror, "mirror")
    run_video(src, AnalyzeOptions(jobs=1, end_s=1.0))  # imports and model file warm
    variants = {"as filmed, canonical": (src, None), "as filmed, plain": (src, _mediapipe_backend),
                "mirror, canonical": (mirror, None), "mirror, plain": (mirror, _mediapipe_backend)}
    times: dict[str, list[tuple[float, float]]] = {k: [] for k in variants}
    for _ in range(args.repeat):
        for name, (video, factory) in variants.items():
            c0, w0 = cpu_s(), time.perf_counter()
            run_video(video, AnalyzeOptions(jobs=1), backend_factory=factory)
            times[name].append((cpu_s() - c0, time.perf_counter() - w0))
    for name, t in times.items():
        print(f"{name:22s} CPU s median {statistics.median(c for c, _ in t):6.2f} "
              f"({', '.join(f'{c:.2f}' for c, _ in t)})  wall median "
              f"{statistics.median(w for _, w in t):6.2f}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

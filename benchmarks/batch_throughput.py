"""Batch throughput with 1 and 2 (or more) local workers on the same videos, in one run.

Videos: the bundled sample clips plus ``../shared/videos/treadmill_side_30fps.mp4`` when
present. Each worker count analyses every video from scratch (``force``) into its own
folder, end to end (pose, analysis, report files), and the script prints videos/min,
frames/s and the speed-up over one worker. On a machine shared with other work the
numbers are noisy; the ratio within one run is the more stable figure.

Usage::

    python benchmarks/batch_throughput.py [--workers 1 2] [--json OUT.json]
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from pathlib import Path

from gaitcheck.batch.executors import available_cores
from gaitcheck.batch.inputs import discover
from gaitcheck.batch.runner import BatchSettings, run_batch

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "videos" / "treadmill_side_30fps.mp4"


def videos() -> list[Path]:
    """The benchmark set: sample clips, plus the real clip when available."""
    found = sorted((REPO / "sample_videos").glob("*.mp4"))
    return [*found, SHARED] if SHARED.is_file() else found


def run(worker_counts: list[int]) -> list[dict[str, float]]:
    """Analyse the set once per worker count; returns one row of figures per count."""
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        inputs = Path(tmp) / "in"
        inputs.mkdir()
        for video in videos():
            shutil.copy(video, inputs / video.name)  # also warms the file cache
        entries, _ = discover(str(inputs))
        for workers in worker_counts:
            t0 = time.perf_counter()
            result = run_batch(entries, Path(tmp) / f"out_{workers}",
                               BatchSettings(workers=workers, force=True))
            seconds = time.perf_counter() - t0
            failed = [r["id"] for r in result.rows if r["status"] == "error"]
            if failed:
                raise SystemExit(f"videos failed with {workers} workers: {failed}")
            frames = sum(o.get("frames") or 0 for o in result.outcomes.values())
            rows.append({"workers": workers, "videos": len(entries), "frames": frames,
                         "seconds": seconds, "videos_per_min": len(entries) / seconds * 60,
                         "frames_per_s": frames / seconds})
    for row in rows:
        row["speedup"] = rows[0]["seconds"] / row["seconds"]
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--json", type=Path, help="also write the rows as JSON")
    args = parser.parse_args()
    print(f"{len(videos())} videos: {', '.join(v.name for v in videos())}; "
          f"{available_cores()} cores available (machine may be shared: numbers are noisy)")
    from gaitcheck.cli.native_stderr import native_stderr_silenced

    with native_stderr_silenced():  # MediaPipe's C++ log lines would bury the table
        rows = run(args.workers)
    print(f"{'workers':>7} {'videos':>6} {'frames':>6} {'wall s':>7} {'videos/min':>10} "
          f"{'frames/s':>8} {'speed-up':>8}")
    for r in rows:
        print(f"{r['workers']:>7} {r['videos']:>6} {r['frames']:>6} {r['seconds']:>7.1f} "
              f"{r['videos_per_min']:>10.2f} {r['frames_per_s']:>8.1f} {r['speedup']:>7.2f}x")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n")


if __name__ == "__main__":
    main()

"""Does the segmented pose pass give the single pass's analysis? (issue 17)

Runs ``run_video`` with ``jobs=1`` and with each ``--jobs`` value on the four sample
clips and the shared treadmill clip, and prints, per clip, the seams, the largest
landmark difference after the first seam, and every metric, contact or finding that
differs beyond the consistency tolerances (``tests/equivalence.py``: cadence ±0.5
steps/min, angles ±1°, durations and contacts ±1 frame, same findings).

Usage::

    python benchmarks/segments_check.py [--jobs 2,3] [--json OUT] [CLIP ...]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
CLIPS = [*sorted((REPO / "sample_videos").glob("*.mp4")),
         REPO.parent / "shared" / "videos" / "treadmill_side_30fps.mp4"]


def main(argv: list[str] | None = None) -> int:
    from equivalence import differences

    from gaitcheck.cli.native_stderr import native_stderr_silenced
    from gaitcheck.pipeline import AnalyzeOptions, run_video

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("clips", nargs="*", type=Path, default=CLIPS)
    parser.add_argument("--jobs", default="2,3", help="segment counts to compare with 1")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    out: list[dict] = []
    failures = 0
    with native_stderr_silenced():
        for clip in args.clips:
            if not clip.is_file():
                print(f"{clip.name}: absent, skipped")
                continue
            t0 = time.perf_counter()
            one = run_video(clip, AnalyzeOptions(jobs=1))
            print(f"{clip.name}: {one.tracks.n_frames} frames, jobs=1 "
                  f"{time.perf_counter() - t0:.1f} s")
            for jobs in (int(j) for j in args.jobs.split(",")):
                t0 = time.perf_counter()
                split = run_video(clip, AnalyzeOptions(jobs=jobs))
                seconds = time.perf_counter() - t0
                info = split.tracks.source.get("segments") or {"jobs": 1}
                diffs = differences(one.report, split.report)
                same_frames = bool(np.array_equal(one.tracks.time_s, split.tracks.time_s) and
                                   np.array_equal(one.tracks.frame_index,
                                                  split.tracks.frame_index))
                seams = info.get("seams") or []
                first = seams[0]["frame_index"] if seams else one.tracks.n_frames
                gap = np.abs(one.tracks.image[:, :, :2] - split.tracks.image[:, :, :2])
                before = float(np.nanmax(gap[:first])) if first else 0.0
                after = float(np.nanmedian(np.nanmax(gap[first:], axis=1))) if seams else 0.0
                failures += bool(diffs) or not same_frames
                fell_back = f", fallback: {info['fallback']}" if "fallback" in info else ""
                print(f"  jobs={jobs} (ran {info.get('jobs')}{fell_back}) {seconds:.1f} s; "
                      f"same frames and times: {same_frames}; seams "
                      f"{[(s['frame_index'], s['disagreement']) for s in seams]}; landmark "
                      f"difference before the first seam {before:.4f}, after it median "
                      f"{after:.4f} (image fractions)")
                for line in diffs:
                    print(f"    differs: {line}")
                out.append({"clip": clip.name, "jobs": jobs, "segments": info,
                            "same_frames": same_frames, "differences": diffs,
                            "landmarks_before_seam": before, "landmarks_after_seam": after,
                            "seconds": seconds})
    if args.json:
        args.json.write_text(json.dumps(out, indent=2) + "\n")
    print("all equivalent" if not failures else f"{failures} comparison(s) differ")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

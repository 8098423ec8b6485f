"""Does the segmented pose pass give the single pass's analysis? (issue 17)

Runs ``run_video`` with ``jobs=1`` and with each ``--jobs`` value on the four sample
clips and the shared treadmill clip, and prints, per clip, the seams, the largest
landmark difference after the first seam, and every metric, contact or finding that
differs beyond the consistency tolerances (``tests/equivalence.py``: cadence ±0.5
steps/min, angles ±1°, durations and contacts ±1 frame, same findings).

``--starts 3,15,30,60`` measures instead how much the single pass itself depends on
the frame where its landmarker starts: one decode feeds a landmarker started at frame 0
and one started at each frame s; both analyses are then run on the frames from s on
(the same frames, the same pixels) and compared with the same tolerances, with the
per-frame landmark difference by frames since the later start (does MediaPipe's
VIDEO-mode history converge?).

Usage::

    python benchmarks/segments_check.py [--jobs 2,3] [--json OUT] [CLIP ...]
    python benchmarks/segments_check.py --starts 3,15,30,60 [CLIP ...]
    python benchmarks/segments_check.py --overlaps 0.5,1,2,4 [CLIP ...]

``--overlaps`` emulates a two-segment split with each overlap (seconds) on one decode:
a landmarker from frame 0 and one started ``overlap`` before the middle, joined by
:func:`gaitcheck.pose.seams.join` (seam where they agree best) and compared with the
single pass; alongside, the single pass's own floor: a landmarker started 3 frames
late, compared on the same frames.

Both studies run pose on every call. ``benchmarks/seam_cache.py`` runs each landmarker
once per clip and caches it; ``benchmarks/seam_study.py`` (convergence per landmark
group) and ``benchmarks/seam_metrics.py`` (the real ``--jobs K`` splits emulated to the
CLI's numbers, what moves with the events, the per-metric start floor, forced seam
positions) then read the cache.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from pathlib import Path
from typing import Any

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
    parser.add_argument("--starts", default=None,
                        help="frames where a second landmarker starts (start-time "
                             "sensitivity of the single pass, instead of --jobs)")
    parser.add_argument("--overlaps", default=None,
                        help="overlaps (s) of an emulated two-segment split, instead of "
                             "--jobs")
    args = parser.parse_args(argv)
    study: tuple[Any, list[Any]] | None = None
    if args.overlaps:
        study = (seam_overlaps, [float(v) for v in args.overlaps.split(",")])
    elif args.starts:
        study = (start_sensitivity, [int(v) for v in args.starts.split(",")])
    if study is not None:
        run, values = study
        with native_stderr_silenced():
            rows = [run(clip, values) for clip in args.clips if clip.is_file()]
        if args.json:
            args.json.write_text(json.dumps(rows, indent=2) + "\n")
        return 0
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
                with warnings.catch_warnings():  # frames where nobody was found: NaN
                    warnings.simplefilter("ignore", RuntimeWarning)
                    before = float(np.nanmax(gap[:first])) if first else 0.0
                    after = (float(np.nanmedian(np.nanmax(gap[first:], axis=1)))
                             if seams else 0.0)
                gaps = _angle_gaps(one.report, split.report)
                worst = max(gaps, key=lambda m: gaps[m], default=None)
                failures += bool(diffs) or not same_frames
                fell_back = f", fallback: {info['fallback']}" if "fallback" in info else ""
                print(f"  jobs={jobs} (ran {info.get('jobs')}{fell_back}) {seconds:.1f} s; "
                      f"same frames and times: {same_frames}; seams "
                      f"{[(s['frame_index'], s['disagreement']) for s in seams]}; landmark "
                      f"difference before the first seam {before:.4f}, after it median "
                      f"{after:.4f} (image fractions); largest angle change "
                      f"{gaps.get(worst, 0.0):.2f} deg ({worst})")
                for line in diffs:
                    print(f"    differs: {line}")
                out.append({"clip": clip.name, "jobs": jobs, "segments": info,
                            "same_frames": same_frames, "differences": diffs,
                            "landmarks_before_seam": before, "landmarks_after_seam": after,
                            "largest_angle_change_deg": gaps.get(worst, 0.0),
                            "seconds": seconds})
    if args.json:
        args.json.write_text(json.dumps(out, indent=2) + "\n")
    print("all equivalent" if not failures else f"{failures} comparison(s) differ")
    return 1 if failures else 0


#: Frames-since-start bins of the per-frame landmark difference table.
_BINS = ((0, 5), (5, 10), (10, 15), (15, 30), (30, 60), (60, 120), (120, 10**6))


def start_sensitivity(clip: Path, starts: list[int]) -> dict:
    """Landmarkers started at frame 0 and at each of ``starts`` on one decode of
    ``clip``; prints and returns the landmark and analysis differences (see module)."""

    from equivalence import differences

    from gaitcheck.pipeline import AnalyzeOptions, build_result
    from gaitcheck.pose.extract import PosePass, build_extraction
    from gaitcheck.pose.mediapipe_backend import MediaPipeBackend
    from gaitcheck.video.reader import VideoReader

    reader = VideoReader(clip)
    backends = {s: MediaPipeBackend() for s in [0, *starts]}
    passes = {s: PosePass() for s in backends}
    try:
        for frame in reader.frames():
            for s, backend in backends.items():
                if frame.index >= s:
                    p = passes[s]
                    p.candidates.append(backend.detect(frame.rgb,
                                                       round(frame.time_s * 1000)))
                    p.time_s.append(frame.time_s)
                    p.frame_index.append(frame.index)
        describe = backends[0].describe()
    finally:
        for backend in backends.values():
            backend.close()
    decoding = {"stopped_early": False, "frames_skipped": 0, "first_error_s": None}
    w, h = reader.info.width, reader.info.height
    print(f"{clip.name}: {len(passes[0])} frames")
    out: dict = {"clip": clip.name, "starts": []}
    for s in starts:
        late = passes[s]
        early = PosePass(passes[0].candidates[s:], passes[0].time_s[s:],
                         passes[0].frame_index[s:])
        a, b = (build_extraction(p, reader, describe, decoding).tracks for p in (early, late))
        gap = np.linalg.norm((a.image[:, :, :2] - b.image[:, :, :2]) * (w, h), axis=2)
        size = np.nanmax(np.ptp(a.image[:, :, 1] * h, axis=1))  # body height, px
        per_frame = np.nanmedian(gap, axis=1) / size  # body heights
        bins = {f"{lo}-{hi if hi < 10**6 else 'end'}": round(float(np.nanmedian(
            per_frame[lo:hi])) * 1000, 2) for lo, hi in _BINS if lo < len(per_frame)}
        identical = int((np.nanmax(gap, axis=1) == 0).sum())
        ra, rb = (build_result(t, AnalyzeOptions())
                  for t in (a, b))
        diffs = differences(ra.report, rb.report)
        angles = [abs(ma["value"] - rb.report["metrics"][k]["value"])
                  for k, ma in ra.report["metrics"].items()
                  if ma.get("unit") == "deg" and isinstance(ma.get("value"), (int, float))
                  and isinstance(rb.report["metrics"].get(k, {}).get("value"), (int, float))]
        worst = max(angles, default=0.0)
        print(f"  start {s}: identical frames {identical}/{len(gap)}; median landmark "
              f"difference (per mille of body height) by frames since start {bins}; "
              f"largest angle-metric change {worst:.2f} deg")
        for line in diffs:
            print(f"    differs: {line}")
        out["starts"].append({"start": s, "identical_frames": identical,
                              "landmark_permille_by_frames_since_start": bins,
                              "largest_angle_change_deg": round(worst, 3),
                              "differences": diffs})
    return out


def _angle_gaps(a: dict, b: dict) -> dict[str, float]:
    """|a - b| of every angle metric measured in both reports, degrees."""
    return {k: round(abs(ma["value"] - b["metrics"][k]["value"]), 3)
            for k, ma in a["metrics"].items()
            if ma.get("unit") == "deg" and isinstance(ma.get("value"), (int, float))
            and isinstance(b["metrics"].get(k, {}).get("value"), (int, float))}


def seam_overlaps(clip: Path, overlaps: list[float], late: int = 3) -> dict:
    """Two-segment splits of ``clip`` with each overlap, emulated on one decode, against
    the single pass; and the single pass started ``late`` frames late (see module)."""
    import copy

    from equivalence import differences

    from gaitcheck.pipeline import AnalyzeOptions, build_result
    from gaitcheck.pose.extract import PosePass, build_extraction
    from gaitcheck.pose.mediapipe_backend import MediaPipeBackend
    from gaitcheck.pose.seams import join
    from gaitcheck.video.exposure import peek_exposure
    from gaitcheck.video.reader import VideoReader

    reader = VideoReader(clip)
    n, fps = reader.info.frame_count, reader.info.fps
    middle = n // 2
    starts = {"single": 0, f"late{late}": late} | {
        f"overlap{o:g}": max(1, middle - round(o * fps)) for o in overlaps}
    frames, exposure = peek_exposure(reader.frames())
    backends = {k: exposure.wrap(MediaPipeBackend()) for k in starts}
    passes = {k: PosePass() for k in starts}
    try:
        for frame in frames:
            for k, backend in backends.items():
                if frame.index >= starts[k]:
                    p = passes[k]
                    p.candidates.append(backend.detect(frame.rgb, round(frame.time_s * 1000)))
                    p.time_s.append(frame.time_s)
                    p.frame_index.append(frame.index)
        describe = next(iter(backends.values())).describe()
    finally:
        for backend in backends.values():
            backend.close()
    decoding = {"stopped_early": False, "frames_skipped": 0, "first_error_s": None}
    w, h = reader.info.width, reader.info.height

    def report(p: PosePass) -> dict:
        tracks = build_extraction(p, reader, describe, decoding).tracks
        return build_result(tracks, AnalyzeOptions()).report

    single = report(passes["single"])
    out: dict = {"clip": clip.name, "frames": len(passes["single"]), "rows": []}
    print(f"{clip.name}: {out['frames']} frames, split at frame {middle}")
    for k in starts:
        if k == "single":
            continue
        if k.startswith("late"):  # the floor: same frames, landmarker started later
            p0 = passes["single"]
            ref = report(PosePass(p0.candidates[late:], p0.time_s[late:],
                                  p0.frame_index[late:]))
            other, seam = report(passes[k]), None
        else:
            head = copy.copy(passes["single"])
            head.candidates, head.time_s = list(head.candidates), list(head.time_s)
            head.frame_index, head.samples = list(head.frame_index), dict(head.samples)
            cut = middle + 1  # segment 0 ends at the middle (inclusive)
            head.candidates, head.time_s = head.candidates[:cut], head.time_s[:cut]
            head.frame_index = head.frame_index[:cut]
            seam = join(head, passes[k], w, h)[0]
            ref, other = single, report(head)
        gaps = _angle_gaps(ref, other)
        over = {m: g for m, g in gaps.items() if g > 1.0}
        diffs = differences(ref, other)
        worst = max(gaps.values(), default=0.0)
        print(f"  {k}: seam {seam.frame_index if seam else '-'} "
              f"(disagreement {seam.disagreement if seam else 0:.4f}); largest angle "
              f"change {worst:.2f} deg; over 1 deg: {over}")
        for line in diffs:
            print(f"    differs: {line}")
        out["rows"].append({"variant": k, "seam": seam.to_dict() if seam else None,
                            "largest_angle_change_deg": worst, "angles_over_1deg": over,
                            "differences": diffs})
    return out


if __name__ == "__main__":
    sys.exit(main())

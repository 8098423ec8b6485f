"""Throughput of the foundation pipeline on one clip, measured in one run.

Prints a table and writes JSON: decode only, pose stage (decode + MediaPipe) with one and
two tracked people, and end to end (``analyze_video``: pose, subject selection, track
files, report). Ratios are computed within the run, so a busy machine still gives
comparable answers.

Usage::

    python benchmarks/pose_throughput.py [VIDEO] [--json OUT.json]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from gaitcheck.pipeline import AnalyzeOptions, analyze_video
from gaitcheck.pose.extract import extract_tracks
from gaitcheck.pose.mediapipe_backend import MediaPipeBackend
from gaitcheck.pose.models import resolve_model
from gaitcheck.video import VideoReader

DEFAULT_VIDEO = Path(__file__).resolve().parents[1].parent / "shared" / "videos" / (
    "treadmill_side_30fps.mp4")


def _timed(fn) -> tuple[float, object]:
    t0 = time.perf_counter()
    result = fn()
    return time.perf_counter() - t0, result


def run(video: Path) -> dict[str, dict[str, float]]:
    """Measure every stage on ``video``; returns {stage: {seconds, frames, fps}}."""
    model = resolve_model(None)
    n = sum(1 for _ in VideoReader(video).frames())  # warm the file cache
    rows: dict[str, dict[str, float]] = {}

    def record(name: str, seconds: float) -> None:
        rows[name] = {"seconds": seconds, "frames": n, "fps": n / seconds}

    record("decode only", _timed(lambda: sum(1 for _ in VideoReader(video).frames()))[0])
    for people in (1, 2):
        backend = MediaPipeBackend(model, max_people=people)
        seconds, _ = _timed(lambda b=backend: extract_tracks(VideoReader(video), b))
        backend.close()
        record(f"pose stage, {people} person(s)", seconds)
    with tempfile.TemporaryDirectory() as tmp:
        for people in (1, 2):
            options = AnalyzeOptions(max_people=people)
            seconds, _ = _timed(lambda o=options: analyze_video(video, Path(tmp), o))
            record(f"end to end, {people} person(s)", seconds)
    for people in (1, 2):
        rows[f"end to end, {people} person(s)"]["ratio_to_pose"] = (
            rows[f"end to end, {people} person(s)"]["seconds"]
            / rows[f"pose stage, {people} person(s)"]["seconds"])
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("video", nargs="?", type=Path, default=DEFAULT_VIDEO)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    rows = run(args.video)
    print(f"{args.video.name}")
    print(f"{'stage':28s} {'s':>7s} {'frames/s':>9s} {'ms/frame':>9s} {'x pose':>7s}")
    for name, row in rows.items():
        ratio = f"{row['ratio_to_pose']:.2f}" if "ratio_to_pose" in row else ""
        print(f"{name:28s} {row['seconds']:7.2f} {row['fps']:9.1f} "
              f"{1000 / row['fps']:9.1f} {ratio:>7s}")
    if args.json:
        args.json.write_text(json.dumps({"video": str(args.video), "stages": rows}, indent=2))


if __name__ == "__main__":
    main()

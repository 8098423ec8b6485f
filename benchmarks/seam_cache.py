"""Landmarks of several VIDEO-mode landmarkers started at different frames, cached.

One decode of a clip (with the clip's exposure correction, as the pose pass does) feeds
a landmarker started at frame 0 (the single pass) and one started at each further
frame; every landmarker's raw output (all people, image and world landmarks) is saved
to ``CACHE/<clip stem>.npz`` so the seam studies (``benchmarks/seam_study.py``) never
run pose twice. A start frame already cached is not run again.

Usage::

    python benchmarks/seam_cache.py --cache /tmp/seamcache --starts 3,15 [CLIP ...]
    python benchmarks/seam_cache.py --cache DIR --plans 2,3   # the real segment starts

``--plans`` adds the first frame of every later segment of the ``--jobs K`` splits
(:func:`gaitcheck.pose.segments.plan_segments`, with the warm-up head start).
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
CLIPS = [*sorted((REPO / "sample_videos").glob("*.mp4")),
         REPO.parent / "shared" / "videos" / "treadmill_side_30fps.mp4"]
#: Most people kept per frame in the cache (the default pass tracks one).
_PEOPLE = 2


def plan_starts(clip: Path, jobs: list[int]) -> dict[int, list[int]]:
    """First file frame of every later segment of each ``--jobs K`` split of ``clip``."""
    from gaitcheck.pose.segments import WARM_UP_FRAMES, plan_segments
    from gaitcheck.video.reader import VideoReader

    reader = VideoReader(clip)
    out = {}
    for k in jobs:
        plans = plan_segments(reader, k, -WARM_UP_FRAMES)
        # The reader keeps frames from start_s - 1e-6 on (VideoReader.frames).
        out[k] = [math.ceil((p.start_s - 1e-6) * reader.info.fps) for p in plans[1:]
                  if p.start_s is not None]
    return out


def plan_bounds(clip: Path, jobs: int) -> list[tuple[int, int]]:
    """First and last file frame (inclusive) of each segment of a ``--jobs K`` split of
    ``clip`` (the last segment's last frame is the clip's last)."""
    from gaitcheck.pose.segments import WARM_UP_FRAMES, plan_segments
    from gaitcheck.video.reader import VideoReader

    reader = VideoReader(clip)
    fps, n = reader.info.fps, reader.info.frame_count
    return [(0 if p.start_s is None else math.ceil((p.start_s - 1e-6) * fps),
             n - 1 if p.end_s is None else math.floor((p.end_s + 1e-6) * fps))
            for p in plan_segments(reader, jobs, -WARM_UP_FRAMES)]


def load(cache: Path, clip: Path) -> dict[int, dict[str, np.ndarray]]:
    """Cached passes of ``clip``: start frame → arrays ``image`` (T, P, 33, 5),
    ``world`` (T, P, 33, 3), ``people`` (T,), ``time_s`` (T,), ``frame_index`` (T,)."""
    path = cache / f"{clip.stem}.npz"
    if not path.is_file():
        return {}
    data = np.load(path)
    starts = sorted({int(k.split("_")[0][1:]) for k in data.files})
    return {s: {f: data[f"s{s}_{f}"] for f in ("image", "world", "people", "time_s",
                                                "frame_index")} for s in starts}


def to_pass(entry: dict[str, np.ndarray], first: int = 0, last: int | None = None,
            people: int = 1) -> object:
    """A :class:`gaitcheck.pose.extract.PosePass` of rows ``first:last`` of a cached
    pass, with at most ``people`` people per frame."""
    from gaitcheck.pose.backend import PoseCandidate
    from gaitcheck.pose.extract import PosePass

    rows = range(first, len(entry["time_s"]) if last is None else last)
    cands = [[PoseCandidate(entry["image"][t, p], entry["world"][t, p])
              for p in range(min(people, int(entry["people"][t])))] for t in rows]
    return PosePass(cands, [float(entry["time_s"][t]) for t in rows],
                    [int(entry["frame_index"][t]) for t in rows])


def run(cache: Path, clip: Path, starts: list[int]) -> None:
    """Run the landmarkers of ``starts`` not yet cached and add them to the cache."""
    from gaitcheck.pose.mediapipe_backend import MediaPipeBackend
    from gaitcheck.video.exposure import peek_exposure
    from gaitcheck.video.reader import VideoReader

    have = load(cache, clip)
    todo = sorted({s for s in [0, *starts] if s not in have})
    if not todo:
        return
    reader = VideoReader(clip)
    frames, exposure = peek_exposure(reader.frames())
    backends = {s: exposure.wrap(MediaPipeBackend()) for s in todo}
    rows: dict[int, list] = {s: [] for s in todo}
    try:
        for frame in frames:
            for s, backend in backends.items():
                if frame.index >= s:
                    rows[s].append((backend.detect(frame.rgb, round(frame.time_s * 1000)),
                                    frame.time_s, frame.index))
    finally:
        for backend in backends.values():
            backend.close()
    arrays = {f"s{s}_{f}": v for s, entry in have.items() for f, v in entry.items()}
    for s, found in rows.items():
        n = len(found)
        image = np.full((n, _PEOPLE, 33, 5), np.nan, np.float32)
        world = np.full((n, _PEOPLE, 33, 3), np.nan, np.float32)
        for t, (cands, _, _) in enumerate(found):
            for p, c in enumerate(cands[:_PEOPLE]):
                image[t, p], world[t, p] = c.image, c.world
        arrays |= {f"s{s}_image": image, f"s{s}_world": world,
                   f"s{s}_people": np.array([len(c) for c, _, _ in found]),
                   f"s{s}_time_s": np.array([t for _, t, _ in found]),
                   f"s{s}_frame_index": np.array([i for _, _, i in found])}
    cache.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(cache / f"{clip.stem}.npz", **arrays)
    print(f"{clip.name}: cached starts {todo}", flush=True)


def main(argv: list[str] | None = None) -> int:
    from gaitcheck.cli.native_stderr import native_stderr_silenced

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("clips", nargs="*", type=Path, default=CLIPS)
    parser.add_argument("--cache", type=Path, required=True)
    parser.add_argument("--starts", default="", help="start frames (comma separated)")
    parser.add_argument("--plans", default="", help="also the starts of these --jobs splits")
    args = parser.parse_args(argv)
    with native_stderr_silenced():
        for clip in args.clips:
            if not clip.is_file():
                print(f"{clip}: absent, skipped")
                continue
            starts = [int(v) for v in args.starts.split(",") if v]
            if args.plans:
                for extra in plan_starts(clip, [int(v) for v in args.plans.split(",")]).values():
                    starts += extra
            run(args.cache, clip, starts)
    return 0


if __name__ == "__main__":
    sys.exit(main())

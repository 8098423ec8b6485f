"""Regenerate the bundled sample videos and their truth files.

Each sample is a synthetic runner (see ``gaitcheck synth``) with exact ground truth in
``<name>.truth.json``. Rebuilding is deterministic: the truth files come out
byte-identical, and so do the videos with the same ffmpeg build (the one in the
``imageio-ffmpeg`` wheel); with another encoder build the decoded frames agree within a
mean absolute difference of 1 grey level (``--check`` verifies exactly this).

Usage::

    python sample_videos/make_samples.py            # rewrite every sample here
    python sample_videos/make_samples.py --check    # rebuild in a temp dir and compare
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np

from gaitcheck.synth.clip import ClipSpec, make_clip, truth_path
from gaitcheck.synth.params import GaitParams

HERE = Path(__file__).resolve().parent
#: Mean absolute difference (grey levels, 0-255) allowed between decoded frames of a
#: rebuilt video and the committed one.
VIDEO_TOLERANCE = 1.0
MAX_BYTES = 2_000_000

SAMPLES: dict[str, ClipSpec] = {
    # Side-view treadmill heel striker with a forward head posture.
    "treadmill_heel_striker_side": ClipSpec(GaitParams(
        setting="treadmill", strike="rearfoot", head_forward_deg=28.0, duration_s=8.0,
        step_time_cv=0.01, seed=1), view="side-left"),
    # Side-view overground forefoot striker, facing the other way, crossing the frame.
    "overground_forefoot_side": ClipSpec(GaitParams(
        setting="overground", strike="forefoot", speed_mps=2.7, duration_s=3.0,
        step_time_cv=0.01, seed=2), view="side-right", fill=0.5),
    # Back view: arms crossing the midline, right/left contact-time asymmetry.
    "back_crossover_asymmetry": ClipSpec(GaitParams(
        arm_crossover=0.15, asym_contact_time_pct=10.0, asym_knee_flexion_pct=-12.0,
        duration_s=8.0, seed=3), view="back"),
    # Front view, default runner; no console between camera and runner, so the arms
    # stay in view.
    "front_runner": ClipSpec(GaitParams(duration_s=8.0, step_time_cv=0.01, seed=4),
                             view="front", console=False),
}


def build(folder: Path) -> list[Path]:
    """Write every sample into ``folder``; returns the video paths."""
    return [make_clip(folder / f"{name}.mp4", spec)["video"] for name, spec in SAMPLES.items()]


def _frames(path: Path) -> np.ndarray:
    from gaitcheck.video import VideoReader

    return np.stack([f.rgb for f in VideoReader(path).frames()]).astype(np.int16)


def check(folder: Path = HERE) -> list[str]:
    """Rebuild in a temporary folder and list every difference beyond tolerance."""
    problems = []
    with tempfile.TemporaryDirectory() as tmp:
        for video in build(Path(tmp)):
            ours = folder / video.name
            if not ours.is_file():
                problems.append(f"{ours.name}: missing")
                continue
            if truth_path(video).read_bytes() != truth_path(ours).read_bytes():
                problems.append(f"{truth_path(ours).name}: truth differs")
            if video.read_bytes() != ours.read_bytes():
                a, b = _frames(video), _frames(ours)
                diff = float(np.abs(a - b).mean()) if a.shape == b.shape else float("inf")
                if diff > VIDEO_TOLERANCE:
                    problems.append(f"{ours.name}: frames differ by {diff:.2f} grey levels")
            if ours.stat().st_size > MAX_BYTES:
                problems.append(f"{ours.name}: {ours.stat().st_size} bytes > {MAX_BYTES}")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    args = parser.parse_args()
    if args.check:
        problems = check()
        print("\n".join(problems) or "samples reproduce within tolerance")
        return 1 if problems else 0
    for video in build(HERE):
        print(f"{video.name}: {video.stat().st_size / 1e6:.2f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())

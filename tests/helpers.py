"""Test helpers: real clips from ../shared/videos, tiny generated videos, fake poses."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest

from gaitcheck.landmarks import LM, N_LANDMARKS
from gaitcheck.pose.backend import PoseCandidate

REPO = Path(__file__).resolve().parents[1]
SHARED_VIDEOS = REPO.parent / "shared" / "videos"


def shared_video(name: str) -> Path:
    """Path of a real clip in ../shared/videos, or skip the test with the reason."""
    path = SHARED_VIDEOS / name
    if not path.is_file():
        pytest.skip(f"real clip {name} not available: ../shared/videos is absent "
                    "(it is present in CI)")
    return path


def load_script(path: Path) -> ModuleType:
    """A script of the repository that is no package module (benchmarks/, models/,
    sample_videos/) loaded as a module named after its file. It is registered in
    ``sys.modules`` first: dataclasses defined in it look their module up there."""
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None, path
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def make_video(ffmpeg: str, path: Path, *args: str, seconds: float = 1.0,
               size: str = "160x96", rate: int = 30) -> Path:
    """Render ffmpeg's test pattern to ``path`` (H.264), with extra output ``args``."""
    cmd = [ffmpeg, "-hide_banner", "-loglevel", "error", "-y", "-t", str(seconds), "-f", "lavfi",
           "-i", f"testsrc=size={size}:rate={rate}", *args,
           "-c:v", "libx264", "-pix_fmt", "yuv420p", str(path)]
    subprocess.run(cmd, check=True)
    return path


def stick_figure(cx: float, cy: float, height: float, phase: float = 0.0) -> np.ndarray:
    """A (33, 5) pose in normalised coordinates: a standing figure whose ankles
    swing apart by ``0.15 * height * sin(phase)``. Visibility and presence 0.9."""
    pts = np.zeros((N_LANDMARKS, 5), np.float32)
    pts[:, 3:] = 0.9
    top = cy - height / 2
    pts[:11, :2] = (cx, top + 0.06 * height)  # head
    for side, dx in (("left", -0.05), ("right", 0.05)):
        pts[LM[f"{side}_shoulder"], :2] = (cx + dx * height, top + 0.18 * height)
        pts[LM[f"{side}_elbow"], :2] = (cx + dx * height, top + 0.33 * height)
        for part in ("wrist", "pinky", "index", "thumb"):
            pts[LM[f"{side}_{part}"], :2] = (cx + dx * height, top + 0.45 * height)
        pts[LM[f"{side}_hip"], :2] = (cx + dx * 0.6 * height, top + 0.5 * height)
        swing = (1 if side == "left" else -1) * 0.15 * height * np.sin(phase)
        pts[LM[f"{side}_knee"], :2] = (cx + swing / 2, top + 0.73 * height)
        for part in ("ankle", "heel"):
            pts[LM[f"{side}_{part}"], :2] = (cx + swing, top + 0.96 * height)
        pts[LM[f"{side}_foot_index"], :2] = (cx + swing - 0.05 * height, top + height)
    return pts


def candidate(cx: float, cy: float, height: float, phase: float = 0.0) -> PoseCandidate:
    world = np.zeros((N_LANDMARKS, 3), np.float32)
    return PoseCandidate(image=stick_figure(cx, cy, height, phase), world=world)


class ScriptedBackend:
    """A PoseBackend that replays a script: frame number → list of candidates."""

    def __init__(self, script: dict[int, list[PoseCandidate]]) -> None:
        self.script = script
        self.calls: list[int] = []
        self.closed = False

    def detect(self, rgb: np.ndarray, timestamp_ms: int) -> list[PoseCandidate]:
        self.calls.append(timestamp_ms)
        return self.script.get(len(self.calls) - 1, [])

    def describe(self) -> dict:
        return {"backend": "scripted"}

    def close(self) -> None:
        self.closed = True


def synthetic_tracks(view: str = "side-left", artefacts=None, seed: int = 0, **params):
    """A synthetic runner (``params``: :class:`gaitcheck.synth.params.GaitParams` fields)
    seen from ``view``: returns ``(motion, tracks)``; ``artefacts`` an
    :class:`gaitcheck.synth.artefacts.Artefacts` or None for the exact projection."""
    from gaitcheck.synth.camera import camera_for_view
    from gaitcheck.synth.kinematics import generate_motion
    from gaitcheck.synth.params import GaitParams
    from gaitcheck.synth.to_tracks import motion_to_tracks

    gait = GaitParams(**params)
    motion = generate_motion(gait)
    camera = camera_for_view(view, subject_height_m=gait.body_height_m, fps=gait.fps, fill=0.6)
    return motion, motion_to_tracks(motion, camera, artefacts, seed=seed)


def resolve(report: dict[str, Any], path: str) -> Any:
    """A ``data-metric`` path of report.html in ``report["metrics"]``; a bare key means
    its value."""
    parts = path.split(".")
    node = report["metrics"]
    for part in parts:
        node = node[part]
    return node["value"] if len(parts) == 1 else node


def clip_for(ffmpeg: str, path: Path, tracks) -> Path:
    """A test-pattern video as long as ``tracks``' video, at its frame size and rate."""
    video = tracks.video
    return make_video(ffmpeg, path, "-preset", "ultrafast", seconds=video.duration_s,
                      size=f"{video.width}x{video.height}", rate=round(video.fps))


def spool_of(result, clip: Path):
    """The crop spool the pose pass would have filled: ``clip``'s frames, ``result``'s
    tracks as the people found."""
    from gaitcheck.pose.backend import PoseCandidate
    from gaitcheck.report.cropspool import CropSpool
    from gaitcheck.report.keyframes import CROP_SIZE
    from gaitcheck.video.reader import VideoReader

    spool = CropSpool(CROP_SIZE)
    rows = {int(f): r for r, f in enumerate(result.tracks.frame_index)}
    for frame in VideoReader(clip).frames():
        r = rows.get(frame.index)
        image = result.tracks.image[r] if r is not None else None
        if image is not None and np.isfinite(image[:, :2]).any():
            spool.add(frame, [PoseCandidate(image, result.tracks.world[r])])
    return spool


def toe_off_label_match(labels: Path, toe_offs, foot: str | None = None):
    """Detected toe-offs against a hand-labelled ``benchmarks/data/*.toe_off.json``,
    paired one-to-one per foot within 5 frames (``foot``: one foot only).

    Returns the :class:`gaitcheck.evaluation.EventMatch` and its timing errors in
    frames (detected − label, + late)."""
    from gaitcheck.evaluation import match_events

    marks = json.loads(labels.read_text())
    fps = marks["fps"]
    ref = [{"time_s": m["frame"] / fps, "side": m["foot"]} for m in marks["toe_offs"]
           if foot in (None, m["foot"])]
    found = [e for e in toe_offs if foot in (None, e.side)]
    match = match_events(found, ref, 5 / fps + 1e-6)
    return match, match.timing_errors_s * fps

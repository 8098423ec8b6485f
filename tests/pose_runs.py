"""Pose passes shared by the whole test session.

The real pose model takes seconds per clip (MediaPipe, ~16 ms a frame on an idle core;
the shared 12 s clip is 360 frames), so each video is analysed once per session,
whichever test module asks first, and every later module reuses the same output folder.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from helpers import REPO, load_script, shared_video

if TYPE_CHECKING:  # conftest imports this module: no pipeline import at collection
    from gaitcheck.pipeline import AnalysisOutput, AnalyzeOptions

#: ``pose_run(video, options)``: the cached :func:`gaitcheck.pipeline.analyze_video` output.
PoseRun = Callable[..., "AnalysisOutput"]


@pytest.fixture(scope="session")
def pose_run(tmp_path_factory: pytest.TempPathFactory) -> PoseRun:
    """``analyze_video`` of a video with given options (default: a user's defaults), run
    once per session: a second request with equal options returns the first output.

    The output (tracks, report, and the report folder with ``landmarks.npz``) is shared:
    tests read it and never write into it.
    """
    from gaitcheck.pipeline import AnalyzeOptions, analyze_video

    runs: dict[tuple[Path, AnalyzeOptions], AnalysisOutput] = {}

    def run(video: Path, options: AnalyzeOptions | None = None) -> AnalysisOutput:
        options = options or AnalyzeOptions()
        key = (Path(video).resolve(), options)
        if key not in runs:
            runs[key] = analyze_video(video, tmp_path_factory.mktemp(Path(video).stem),
                                      options)
        return runs[key]

    return run


@pytest.fixture(scope="session")
def treadmill_mirror(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shared treadmill clip mirrored left-right, written by the consistency
    benchmark's own transform (ffmpeg ``hflip``, H.264 CRF 18): the clip its mirror row
    and ``systematic.json`` are measured on (~2 s on 2 cores). Skips without
    ../shared/videos."""
    src = shared_video("treadmill_side_30fps.mp4")
    return load_script(REPO / "benchmarks" / "consistency.py").transform(
        src, tmp_path_factory.mktemp("mirror") / "mirror.mp4", "mirror")

"""The consistency suite's transformed clips are the same bytes on every machine.

x264's default thread count follows the CPU, and its output depends on it: on the real
treadmill clip at CRF 35 the thread count alone moved the foot angle's change between
-6.4 and -10.3 deg (1-8 threads). ``benchmarks/consistency.py`` pins it and records it.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from helpers import REPO, load_script, make_video

consistency = load_script(REPO / "benchmarks" / "consistency.py")


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("encoding")
    return make_video(consistency.ffmpeg(), folder / "src.mp4", seconds=1.0,
                      size="320x192")


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("name", ["crf35", "mirror"])
def test_transform_pins_and_records_the_encoder_threads(source: Path, tmp_path: Path,
                                                        name: str) -> None:
    out = consistency.transform(source, tmp_path / f"{name}.mp4", name)
    build = consistency.x264_build(out)
    assert build is not None and build.startswith("core ")
    assert build.endswith(f" threads={consistency.X264_THREADS}")
    again = consistency.transform(source, tmp_path / "again" / f"{name}.mp4", name)
    assert digest(again) == digest(out)


def test_x264_build_is_none_without_x264_settings(tmp_path: Path) -> None:
    path = tmp_path / "raw.mp4"
    path.write_bytes(b"\x00" * 1024)
    assert consistency.x264_build(path) is None

"""Annotated video: one H.264 frame per analysed frame, overlay drawn, atomic output."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import numpy as np
import pytest

from gaitcheck.errors import InputError
from gaitcheck.pipeline import (
    AnalysisOutput,
    AnalyzeOptions,
    analyze_video,
    result_from_landmarks,
)
from gaitcheck.report import annotate
from gaitcheck.report import overlay as ov
from gaitcheck.report.annotate import FrameDrawer, write_annotated_video
from gaitcheck.video._cv import cv2
from helpers import REPO, ScriptedBackend, candidate

SAMPLE = REPO / "sample_videos" / "treadmill_heel_striker_side.mp4"


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> AnalysisOutput:
    """The 8 s treadmill sample through the real pipeline (pose included)."""
    out = tmp_path_factory.mktemp("annotated")
    return analyze_video(SAMPLE, out, AnalyzeOptions(formats=("csv", "video")))


def read_video(path: Path) -> tuple[list[np.ndarray], float, str, tuple[int, int]]:
    """All frames (RGB), fps, fourcc and (width, height) as OpenCV sees them."""
    cap = cv2.VideoCapture(str(path), cv2.CAP_FFMPEG)
    assert cap.isOpened()
    code = int(cap.get(cv2.CAP_PROP_FOURCC))
    fourcc = "".join(chr((code >> (8 * i)) & 0xFF) for i in range(4))
    fps = cap.get(cv2.CAP_PROP_FPS)
    size = (int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT)))
    frames = []
    while True:
        ok, bgr = cap.read()
        if not ok:
            break
        frames.append(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
    cap.release()
    return frames, fps, fourcc, size


def probe(ffmpeg: str, path: Path) -> tuple[str, float]:
    """The video stream line and the container duration (s) that ffmpeg reports."""
    text = subprocess.run([ffmpeg, "-hide_banner", "-i", str(path)], capture_output=True,
                          text=True).stderr
    stream = next(line for line in text.splitlines() if "Video:" in line)
    h, m, s = re.search(r"Duration: (\d+):(\d+):([\d.]+)", text).groups()
    return stream, 3600 * int(h) + 60 * int(m) + float(s)


def test_sample_video_has_every_frame_in_h264(sample: AnalysisOutput, ffmpeg: str) -> None:
    report, out = sample.report, sample.out_dir
    assert report["files"]["annotated_video"] == "annotated.mp4"
    path = out / "annotated.mp4"
    frames, fps, fourcc, size = read_video(path)
    assert len(frames) == report["quality"]["frames"] == sample.tracks.n_frames == 240
    assert fourcc.lower() in ("avc1", "h264") and fps == pytest.approx(report["video"]["fps"])
    assert size == (report["video"]["width"], report["video"]["height"])
    assert frames[0].shape == (report["video"]["height"], report["video"]["width"], 3)
    stream, duration = probe(ffmpeg, path)
    assert "Video: h264" in stream and "yuv420p" in stream
    assert duration == pytest.approx(report["video"]["duration_s"], abs=0.05)
    data = path.read_bytes()
    assert data.index(b"moov") < data.index(b"mdat")  # faststart: plays while loading
    assert not [p.name for p in out.iterdir() if p.name.startswith(".")]  # no temp file

    # At a contact the marker and skeleton are drawn over the source frame.
    contact = report["events"]["contacts"][3]
    index = round(contact["frame"])
    source = next(f.rgb for f in annotate.VideoReader(SAMPLE).frames() if f.index == index)
    drawn = frames[index]
    assert np.abs(drawn.astype(int) - source).mean() > 1.0
    drawer = FrameDrawer(sample.result, fps)
    marker = next(m for m in drawer.markers if m.first == round(
        sample.result.row_of_frame(contact["frame"])) and m.kind == "contact")
    x, y = (round(v) for v in marker.xy)
    r = round(4 * drawer.style.radius)
    box = (slice(max(0, y - r), y + r), slice(max(0, x - r), x + r))
    assert np.abs(drawn[box].astype(int) - source[box]).mean() > 15
    assert marker.label.endswith(contact["strike"])
    # Far from the runner and the readout, the picture is the source's (re-encoded).
    corner = (slice(-60, None), slice(-60, None))
    assert np.abs(drawn[corner].astype(int) - source[corner]).mean() < 4


def test_window_gives_the_window_frames(sample: AnalysisOutput, tmp_path: Path,
                                        ffmpeg: str) -> None:
    result = result_from_landmarks(sample.out_dir / "landmarks.npz",
                                   AnalyzeOptions(start_s=1.0, end_s=3.0))
    window = result.report["video"]["analysis_window"]
    assert (window["first_frame"], window["last_frame"]) == (30, 90)
    assert write_annotated_video(result, SAMPLE, tmp_path) == {
        "annotated_video": "annotated.mp4"}
    frames, _, _, _ = read_video(tmp_path / "annotated.mp4")
    assert len(frames) == result.tracks.n_frames == 61
    _, duration = probe(ffmpeg, tmp_path / "annotated.mp4")
    assert duration == pytest.approx(61 / 30, abs=0.05)


def test_failure_mid_write_leaves_no_file(sample: AnalysisOutput, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    draw = FrameDrawer.draw

    def failing(self: FrameDrawer, frame, row: int) -> np.ndarray:
        if row == 20:
            raise RuntimeError("drawing failed")
        return draw(self, frame, row)

    monkeypatch.setattr(FrameDrawer, "draw", failing)
    with pytest.raises(RuntimeError, match="drawing failed"):
        write_annotated_video(sample.result, SAMPLE, tmp_path)
    assert list(tmp_path.iterdir()) == []
    # An earlier annotated video is kept as it was.
    (tmp_path / "annotated.mp4").write_bytes(b"old")
    with pytest.raises(RuntimeError):
        write_annotated_video(sample.result, SAMPLE, tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["annotated.mp4"]
    assert (tmp_path / "annotated.mp4").read_bytes() == b"old"


def test_other_video_is_refused(sample: AnalysisOutput, tmp_path: Path, ffmpeg: str) -> None:
    other = tmp_path / "other.mp4"
    subprocess.run([ffmpeg, "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i",
                    "testsrc=size=160x96:rate=30", "-t", "1", "-pix_fmt", "yuv420p",
                    str(other)], check=True)
    with pytest.raises(InputError, match="160x96"):
        write_annotated_video(sample.result, other, tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.mp4"]


def test_small_odd_clip_with_missing_poses(tmp_path: Path, ffmpeg: str) -> None:
    """A small odd-sized clip (lossless FFV1, plain grey so that only the overlay changes
    pixels) whose runner is missing in frames 10-14."""
    clip = tmp_path / "odd.mkv"
    subprocess.run([ffmpeg, "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i",
                    "color=c=0x707070:size=321x241:rate=30", "-t", "2", "-c:v", "ffv1",
                    str(clip)],
                   check=True)
    script = {t: [candidate(0.2 + 0.01 * t, 0.5, 0.6, phase=t / 3)] for t in range(60)
              if not 10 <= t < 15}
    out = analyze_video(clip, tmp_path / "out", AnalyzeOptions(formats=("video",)),
                        backend_factory=lambda options: ScriptedBackend(script))
    frames, _, _, size = read_video(out.out_dir / "annotated.mp4")
    assert len(frames) == 60 and size == (322, 242)  # padded to even for 4:2:0
    source = [f.rgb for f in annotate.VideoReader(clip).frames()]
    # Outside the readout box and the "no pose" label, only the skeleton changes pixels.
    drawer = FrameDrawer(out.result, 30.0)
    x0, y0, x1, y1 = drawer.box
    cap = ov.text_size("0", drawer.style, 1.6)[1]
    mask = np.ones((241, 321), bool)
    mask[y0:y1, x0:x1] = False
    mask[120 - 2 * cap:120 + 2 * cap] = False
    changed = []
    for a, b in zip(frames, source, strict=True):
        diff = np.abs(a[:241, :321].astype(int) - b).max(axis=2)
        changed.append(float(np.mean(diff[mask] > 60)))
    assert all(changed[t] < 0.002 for t in range(10, 15)), changed[10:15]
    assert all(changed[t] > 0.01 for t in range(60) if not 10 <= t < 15), changed
    band = slice(120 - 2 * cap, 120 + cap)
    label = np.abs(frames[12][band, :321].astype(int) - source[12][band]).mean()
    assert label > 3  # the "no pose" label

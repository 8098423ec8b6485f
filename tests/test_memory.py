"""Peak RSS of the pose pass stays flat in video length (issue 17), and what the pass
holds besides its landmarks.

Each measurement runs the pose pass in a fresh Python process (the peak RSS of this
test process would carry everything run before it) on a 640x360 test-pattern clip, with
a scripted pose backend that finds one stick figure in every frame, so every pose hook
(scene-line frames, scene motion, the foot-crop spool) and the subject selection run
on every frame, without MediaPipe's cost. The 1x and the 6x clip must peak at the same
RSS within what the kept landmarks themselves take (about 3 kB a frame) and the
run-to-run noise; a control that keeps 64 kB a frame (a small thumbnail) must not pass.

The peak itself depends on how the page cache holds the shared libraries (the same run
measured 421 and 497 MB), so the rest are structural checks: no decoded frame is held
after it is handed on, and no module the pose pass does not need is imported before it.
"""

from __future__ import annotations

import json
import subprocess
import sys
import weakref
from pathlib import Path

import numpy as np
import pytest

from gaitcheck.video.exposure import N_FIRST, peek_exposure
from gaitcheck.video.reader import Frame, VideoReader
from helpers import make_video

#: Seconds of the short clip; the long clip is :data:`TIMES` times as long.
SHORT_S, TIMES = 4.0, 6
#: Most RSS growth allowed per extra frame, bytes. Measured 2.9-4.2 kB: every person
#: found is kept until the subject is chosen (landmarks, 1.5 kB a frame), then the
#: tracks (1 kB), and the crop spool's index (74 bytes a crop); the run-to-run noise of
#: a fresh process's peak reached 6 MB on a busy machine (one run each: -2.3 to +4.2 kB
#: a frame), hence the lower of :data:`RUNS` runs.
MAX_GROWTH_PER_FRAME = 8_000
#: Runs per clip; the lowest peak counts.
RUNS = 2
#: What the leaking control keeps per frame, bytes.
LEAK_PER_FRAME = 64_000

_CHILD = r"""
import json, sys
import numpy as np
from gaitcheck.landmarks import LM, N_LANDMARKS
from gaitcheck.pose.backend import PoseCandidate
from gaitcheck.pose.run import Progress, pose_pass
from gaitcheck.report.cropspool import CropSpool
from gaitcheck.video.reader import VideoReader

video, leak = sys.argv[1], int(sys.argv[2])
kept = []

class Figure:
    "One stick figure (feet at the bottom) in every frame; keeps ``leak`` bytes a frame."
    def __init__(self, options):
        self.t = 0
    def detect(self, rgb, timestamp_ms):
        self.t += 1
        if leak:
            kept.append(np.ones(leak, np.uint8))
        pts = np.full((N_LANDMARKS, 5), 0.9, np.float32)
        pts[:, 0] = 0.5 + 0.05 * np.sin(self.t / 5)
        pts[:, 1] = np.linspace(0.2, 0.9, N_LANDMARKS)
        for side, dx in (("left", -0.03), ("right", 0.03)):
            for part in ("ankle", "heel", "foot_index"):
                pts[LM[f"{side}_{part}"], :2] = (0.5 + dx, 0.9)
        return [PoseCandidate(image=pts, world=np.zeros((N_LANDMARKS, 3), np.float32))]
    def describe(self):
        return {"backend": "figure"}
    def close(self):
        pass

with CropSpool(320) as spool:
    out = pose_pass(VideoReader(video), None, Progress(), Figure, jobs=1, spool=spool)
frames = out.tracks.n_frames
# VmHWM, not ru_maxrss: on Linux ru_maxrss keeps the high-water mark of the process
# image before exec, i.e. of the (large) pytest process this child was forked from.
with open("/proc/self/status") as status:
    hwm = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
print(json.dumps({"frames": frames, "peak_bytes": hwm * 1024}))
"""


def _peak(video: Path, leak: int = 0) -> tuple[int, int]:
    """Frames analysed and peak RSS (bytes) of a pose pass in a fresh process: the lower
    of :data:`RUNS` runs (a run's thread timing adds up to ~6 MB to the same clip's peak,
    more than the 600 extra frames keep)."""
    peaks = []
    for _ in range(RUNS):
        run = subprocess.run([sys.executable, "-c", _CHILD, str(video), str(leak)],
                             capture_output=True, text=True, check=True, timeout=300)
        got = json.loads(run.stdout.strip().splitlines()[-1])
        peaks.append(got["peak_bytes"])
    return got["frames"], min(peaks)


@pytest.fixture(scope="module")
def clips(ffmpeg: str, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("rss")
    return tuple(make_video(ffmpeg, folder / f"x{k}.mp4", "-preset", "ultrafast",
                            seconds=SHORT_S * k, size="640x360") for k in (1, TIMES))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc/self/status: Linux")
def test_pose_pass_peak_rss_is_flat_in_clip_length(clips: tuple[Path, Path]) -> None:
    (n1, peak1), (n5, peak5) = (_peak(clip) for clip in clips)
    assert n5 == TIMES * n1
    growth = (peak5 - peak1) / (n5 - n1)
    assert growth < MAX_GROWTH_PER_FRAME, (
        f"peak RSS {peak1 / 1e6:.1f} MB for {n1} frames, {peak5 / 1e6:.1f} MB for {n5}: "
        f"{growth:.0f} bytes more per frame")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc/self/status: Linux")
def test_the_flatness_check_sees_a_small_per_frame_leak(clips: tuple[Path, Path]) -> None:
    # The same measurement with 64 kB kept per frame: the check above must catch it.
    (n1, peak1), (n5, peak5) = (_peak(clip, LEAK_PER_FRAME) for clip in clips)
    growth = (peak5 - peak1) / (n5 - n1)
    assert growth > MAX_GROWTH_PER_FRAME
    assert growth == pytest.approx(LEAK_PER_FRAME, rel=0.25)


def test_the_exposure_peek_lets_go_of_each_first_frame_once_handed_on() -> None:
    # The first frames are kept while the exposure is decided; kept after being handed
    # on (as itertools.chain(head, rest) keeps its head), five 720p frames (14 MB) stay
    # resident through the whole pose pass.
    rng = np.random.default_rng(0)
    made: list[weakref.ref[Frame]] = []

    def make(i: int) -> Frame:
        frame = Frame(i, i / 30, rng.integers(0, 255, (48, 64, 3), np.uint8))
        made.append(weakref.ref(frame))
        return frame

    def frames():  # holds no frame itself while it waits (as the video reader)
        for i in range(N_FIRST + 3):
            yield make(i)

    it, _ = peek_exposure(frames())
    for i in range(N_FIRST + 1):
        assert next(it).index == i
        assert made[i]() is None, f"frame {i} is still held after being handed on"
    assert [f.index for f in it] == [N_FIRST + 1, N_FIRST + 2]


def test_the_decoder_holds_no_decoded_picture_while_it_waits(ffmpeg: str,
                                                             tmp_path: Path) -> None:
    # Between two frames the decoding generator waits at its ``yield`` (read ahead, that
    # is most of the time); a picture among its locals there other than the frame just
    # handed on (OpenCV's BGR one) is one more frame, 2.8 MB of 720p, per decoder.
    reader = VideoReader(make_video(ffmpeg, tmp_path / "clip.mp4", seconds=0.5))
    gen = reader.frames()
    for _ in range(3):
        frame = next(gen)
        held = [name for name, value in gen.gi_frame.f_locals.items()
                if isinstance(value, np.ndarray) and value.size >= frame.rgb.size
                and value is not frame.rgb]
        assert held == []
    gen.close()


def test_analyze_imports_no_database_code_before_pose() -> None:
    # Every ``analyze`` asks whether to blur faces; without --patient it records into no
    # database, and SQLAlchemy would stay resident (15 MiB) through the pose pass.
    code = ("import sys\n"
            "from gaitcheck.cli.app import app\n"
            "from gaitcheck.cli.render_options import anonymize_choice\n"
            "import gaitcheck.pipeline\n"
            "print(anonymize_choice(None), 'sqlalchemy' in sys.modules)\n")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=120)
    assert run.stdout.split() == ["(False,", "None)", "False"]

"""Issue 13, cases 2, 3, 6 and 8: option validation, no hang after an exception, cadence
from valid steps only, long names, synth sizes, and messages that say what is wrong.

Every CLI case runs ``python -m gaitcheck`` in a subprocess with a timeout, so a hang
fails the test instead of stalling the suite. Inputs are tiny (a 1 s 160x96 test
pattern, landmark tracks); one test renders the 4 s synthetic runner and runs pose.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from gaitcheck.errors import InputError
from gaitcheck.pipeline import AnalyzeOptions, default_out_dir
from helpers import REPO, make_video, synthetic_tracks

TIMEOUT_S = 90
runner = CliRunner()


def gaitcheck(*args: str, cwd: Path | None = None, env: dict | None = None,
              timeout: float = TIMEOUT_S) -> subprocess.CompletedProcess:
    """``python -m gaitcheck ARGS``; a hang raises ``TimeoutExpired`` (a failure)."""
    return subprocess.run([sys.executable, "-m", "gaitcheck", *args], capture_output=True,
                          text=True, timeout=timeout, cwd=cwd,
                          env=(os.environ | (env or {})) | {"COLUMNS": "200"})


def assert_one_line(proc: subprocess.CompletedProcess, *needles: str, code: int = 2) -> str:
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert proc.returncode == code, proc.stderr
    assert len(lines) == 1, proc.stderr
    line = lines[0]
    assert line.startswith("error:") and "Traceback" not in proc.stderr, line
    for needle in needles:
        assert needle in line, line
    return line


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory, ffmpeg: str) -> Path:
    """A 1 s, 30 fps, 160x96 test pattern (no person: enough for every check that
    happens before the pose model)."""
    return make_video(ffmpeg, tmp_path_factory.mktemp("clip") / "clip.mp4")


# -- case 2: every numeric option is checked, one line, exit 2, never a hang ---------------
BAD_OPTIONS = [
    (["--start", "nan"], "--start nan is not a finite number"),
    (["--start", "inf"], "--start inf is not a finite number"),
    (["--start", "-1"], "--start -1.0 should be between 0"),
    (["--start", "1e308"], "--start 1e+308 should be between 0"),
    (["--end", "inf"], "--end inf is not a finite number"),
    (["--end", "1e308"], "--end 1e+308 should be above 0"),
    (["--end", "nan"], "--end nan is not a finite number"),
    (["--end", "0"], "--end 0.0 should be above 0"),
    (["--start", "2", "--end", "1"], "--end (1 s) must be after --start (2 s)"),
    (["--slowmo", "nan"], "--slowmo nan is not a finite number"),
    (["--slowmo", "0"], "--slowmo 0.0 should be between 1 and 1000"),
    (["--slowmo", "-8"], "--slowmo -8.0 should be between 1"),
    (["--slowmo", "1e9"], "--slowmo 1000000000.0 should be between 1"),
    (["--height-cm", "nan"], "--height-cm nan is not a finite number"),
    (["--height-cm", "20"], "--height-cm 20.0 should be between 80 and 250 cm"),
    (["--height-cm", "inf"], "--height-cm inf is not a finite number"),
    (["--stride", "0"], "--stride 0 should be a whole number between 1 and 1000"),
    (["--stride", "-3"], "--stride -3 should be a whole number"),
    (["--stride", "5000"], "--stride 5000 should be a whole number"),
    (["--stride", "abc"], "'--stride'"),
    (["--analysis-fps", "nan"], "--analysis-fps nan is not a finite number"),
    (["--analysis-fps", "inf"], "--analysis-fps inf is not a finite number"),
    (["--analysis-fps", "0"], "--analysis-fps 0.0 should be between 1"),
    (["--max-people", "0"], "--max-people 0 should be a whole number between 1 and 10"),
    (["--max-people", "99"], "--max-people 99 should be a whole number"),
]


@pytest.mark.parametrize(("args", "message"), BAD_OPTIONS,
                         ids=[" ".join(a) for a, _ in BAD_OPTIONS])
def test_invalid_option_is_one_line_exit_2(clip: Path, tmp_path: Path, args: list[str],
                                           message: str) -> None:
    proc = gaitcheck("analyze", str(clip), "--out", str(tmp_path / "out"), *args)
    assert_one_line(proc, message)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(("args", "message"), [
    (["--end", "inf"], "--end inf is not a finite number"),
    (["--start", "nan"], "--start nan is not a finite number"),
    (["--slowmo", "0"], "--slowmo 0.0 should be between 1"),
    (["--height-cm", "nan"], "--height-cm nan is not a finite number"),
])
def test_batch_flags_use_the_same_rules(clip: Path, tmp_path: Path, args: list[str],
                                        message: str) -> None:
    proc = gaitcheck("batch", str(clip.parent), "--out", str(tmp_path / "b"), *args)
    assert_one_line(proc, message)


def test_api_and_options_use_the_same_rules(clip: Path) -> None:
    from gaitcheck import analyze

    for kwargs, message in (({"start_s": math.nan}, "--start nan"),
                            ({"end_s": math.inf}, "--end inf"),
                            ({"end_s": 1e308}, "--end 1e+308"),
                            ({"slowmo": 0.0}, "--slowmo 0.0"),
                            ({"height_cm": math.nan}, "--height-cm nan"),
                            ({"max_people": 0}, "--max-people 0")):
        with pytest.raises(InputError, match=message.replace("+", r"\+")):
            analyze(clip, **kwargs)
    with pytest.raises(InputError, match="--stride 0"):
        AnalyzeOptions(stride=0)
    with pytest.raises(InputError, match="--analysis-fps nan"):
        AnalyzeOptions(analysis_fps=math.nan)
    assert AnalyzeOptions(stride=2.0).stride == 2  # whole floats become ints


def test_manifest_rejects_what_the_flags_reject(tmp_path: Path) -> None:
    from gaitcheck.batch.inputs import read_manifest

    manifest = tmp_path / "m.csv"
    for row, message in (("x.mp4,inf,", "start_s 'inf' is not a finite number"),
                         ("x.mp4,,1e308", "end_s '1e308' should be above 0"),
                         ("x.mp4,3,2", "end_s must be after start_s")):
        manifest.write_text(f"video,start_s,end_s\n{row}\n", encoding="utf-8")
        with pytest.raises(InputError, match=message):
            read_manifest(manifest)


_POSE_FAILS = """
import sys
from gaitcheck import analyze
from gaitcheck.pipeline import Progress

class Boom(Progress):
    def {method}(self, *args):
        raise RuntimeError("boom in the pose pass")

try:
    analyze(sys.argv[1], progress=Boom())
except RuntimeError as err:
    print("raised:", err)
"""


@pytest.mark.slow
@pytest.mark.parametrize("method", ["start", "update"])
def test_exception_in_the_pose_pass_leaves_no_hang(clip: Path, method: str) -> None:
    """The landmarker is closed at once on every path: never left to MediaPipe's
    ``__del__`` at interpreter shutdown (which fails there, and could hang the exit)."""
    proc = subprocess.run([sys.executable, "-c", _POSE_FAILS.format(method=method),
                           str(clip)], capture_output=True, text=True, timeout=TIMEOUT_S)
    assert proc.returncode == 0, proc.stderr
    assert "raised: boom in the pose pass" in proc.stdout
    assert "Exception ignored" not in proc.stderr, proc.stderr
    assert "PoseLandmarker.__del__" not in proc.stderr, proc.stderr


def test_landmarker_close_is_idempotent_and_closes_mediapipe() -> None:
    from gaitcheck.pose.mediapipe_backend import MediaPipeBackend

    backend = MediaPipeBackend()
    landmarker = backend._landmarker
    backend.close()
    backend.close()
    assert landmarker._handle is None  # MediaPipe's own handle is released
    with pytest.raises(RuntimeError, match="after close"):
        backend.detect(np.zeros((32, 32, 3), np.uint8), 0)


# -- case 3: cadence and step metrics from valid steps only --------------------------------
@dataclass(frozen=True)
class _C:
    side: str
    time_s: float


def _contacts(step_s: float, n: int, missing: tuple[int, ...] = ()) -> list[_C]:
    return [_C("left" if k % 2 == 0 else "right", 0.3 + k * step_s)
            for k in range(n) if k not in missing]


def test_a_missed_contact_splits_the_steps() -> None:
    from gaitcheck.events.steps import pooled_cadence, step_runs

    step = 60.0 / 170.0
    contacts = _contacts(step, 12, missing=(1,))  # the repro: L, (R missed), L, R, ...
    runs = step_runs(contacts)
    assert [len(r) for r in runs] == [1, 10]
    cadence = pooled_cadence([[contacts[k].time_s for k in r] for r in runs])
    assert cadence.spm == pytest.approx(170.0, abs=1e-6)
    assert (cadence.steps, cadence.runs) == (9, 1)
    # Two contacts missed in a row (different feet either side, 3 steps long).
    contacts = _contacts(step, 14, missing=(5, 6))
    runs = step_runs(contacts)
    assert [len(r) for r in runs] == [5, 7]
    cadence = pooled_cadence([[contacts[k].time_s for k in r] for r in runs])
    assert cadence.spm == pytest.approx(170.0, abs=1e-6) and cadence.steps == 10
    # The old count, (n - 1) / span, read the first case as 9 + 1 steps over 10 steps'
    # time plus one: far from the truth.
    t = np.array([c.time_s for c in _contacts(step, 12, missing=(1,))])
    assert 60.0 * (len(t) - 1) / (t[-1] - t[0]) == pytest.approx(170.0 * 10 / 11, abs=0.1)


#: Seeds × durations × cadences of the sweep on realistic landmark tracks (fast).
SWEEP = [(duration, seed) for duration in (3.0, 4.0, 5.0, 6.0, 8.0) for seed in range(6)]


@pytest.mark.parametrize(("duration", "seed"), SWEEP)
def test_cadence_sweep_on_realistic_tracks(duration: float, seed: int) -> None:
    """Measured on this sweep: every cadence within 1.6 steps/min of the truth."""
    from gaitcheck.analysis import analyze_tracks
    from gaitcheck.synth.artefacts import Artefacts

    truth = (160.0, 170.0, 180.0)[seed % 3]
    view = "side-left" if seed % 2 == 0 else "side-right"
    _, tracks = synthetic_tracks(view, Artefacts.realistic(), seed=seed, duration_s=duration,
                                 cadence_spm=truth)
    metric = tracks and analyze_tracks(tracks).metrics["cadence_spm"]
    assert metric.value == pytest.approx(truth, abs=2.0)
    steps, contacts = metric.extra["steps_used"], metric.extra["contacts"]
    assert metric.extra["step_runs"] >= 1 and steps <= contacts - 1
    # Every step used is a real one: steps × true step time fits inside the clip.
    assert steps * 60.0 / truth <= duration


@pytest.mark.slow
def test_short_synthetic_runner_reads_its_true_cadence(tmp_path: Path) -> None:
    """The issue's repro end to end (render + pose): 149 steps/min on main, 170 true."""
    video = tmp_path / "def.mp4"
    proc = gaitcheck("synth", str(video), "--duration", "4", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    proc = gaitcheck("analyze", str(video), "-q", cwd=tmp_path, timeout=300)
    assert proc.returncode == 0, proc.stderr
    report = json.loads((tmp_path / "def_gaitcheck" / "report.json").read_text())
    cadence = report["metrics"]["cadence_spm"]
    assert cadence["value"] == pytest.approx(170.0, abs=2.0)
    assert cadence["steps_used"] <= cadence["contacts"] - 1
    assert not any("Cadence" in f["message"] and "below" in f["message"]
                   for f in report["findings"])


# -- case 6: long names, synth sizes ------------------------------------------------------
def test_default_output_folder_of_a_very_long_name_is_shortened() -> None:
    long_a, long_b = "a" * 246 + "1.mp4", "a" * 246 + "2.mp4"
    out_a, out_b = default_out_dir(Path(long_a)), default_out_dir(Path(long_b))
    assert len(out_a.name.encode()) <= 180 and out_a.name.endswith("_gaitcheck")
    assert out_a != out_b  # the hash of the full name tells them apart
    assert default_out_dir(Path("run.mp4")).name == "run_gaitcheck"
    assert len(default_out_dir(Path("é" * 200 + ".mp4")).name.encode()) <= 180


def test_a_long_output_name_is_one_line_exit_2(clip: Path, tmp_path: Path) -> None:
    proc = gaitcheck("analyze", str(clip), "--out", str(tmp_path / ("o" * 300)))
    assert_one_line(proc, "name is too long")


@pytest.mark.slow
def test_a_246_character_video_name_is_analysed(tmp_path: Path, ffmpeg: str) -> None:
    """With the default output folder (the stem plus "_gaitcheck" is over 255 bytes)."""
    video = make_video(ffmpeg, tmp_path / ("b" * 246 + ".mp4"))
    proc = gaitcheck("analyze", str(video), "-q", cwd=tmp_path)
    # The test pattern holds no person: a clear exit 2, not "File name too long" (1).
    assert_one_line(proc, "no person detected")


@pytest.mark.parametrize(("size", "message"), [
    ("0x0", "from 64 to 4096"), ("161x121", "must be even"), ("-5x100", "from 64"),
    ("100000x100000", "from 64 to 4096"), ("1x2x3", "WIDTHxHEIGHT")])
def test_synth_size_is_checked(tmp_path: Path, size: str, message: str) -> None:
    from gaitcheck.cli.app import app

    result = runner.invoke(app, ["synth", str(tmp_path / "s.mp4"), "--duration", "1",
                                 "--size", size])
    assert result.exit_code == 2, result.output
    assert message in result.output and "internal error" not in result.output
    assert not list(tmp_path.iterdir())


# -- case 8: messages that say what is wrong ----------------------------------------------
def test_animated_gif_is_not_called_a_still_image(tmp_path: Path) -> None:
    gif = tmp_path / "loop.gif"
    frame = b"\x21\xf9\x04\x00\x0a\x00\x00\x00" + b"\x2c" + bytes(9) + b"\x02\x02\x44\x01\x00"
    gif.write_bytes(b"GIF89a\x01\x00\x01\x00\x00\x00\x00" + b"\x21\xff\x0bNETSCAPE2.0"
                    b"\x03\x01\x00\x00\x00" + frame * 3 + b"\x3b")
    line = assert_one_line(gaitcheck("analyze", str(gif)), "animated GIF")
    assert "still image" not in line


@pytest.mark.parametrize(("args", "needle"), [
    (["--stride", "1000"], "one frame in 1000 (--stride/--analysis-fps) leaves 1 frame"),
    (["--end", "0.01"], "the window 0 s to 0.01 s (--start/--end) leaves 1 frame"),
    (["--start", "30"], "leaves 0 frames of clip.mp4 (1.0 s long)"),
])
def test_window_or_stride_leaving_too_few_frames_says_so(clip: Path, tmp_path: Path,
                                                          args: list[str],
                                                          needle: str) -> None:
    line = assert_one_line(gaitcheck("analyze", str(clip), "--out", str(tmp_path / "o"),
                                     *args), needle)
    assert "single decodable frame" not in line and "1 frames" not in line
    assert not (tmp_path / "o").exists()


def test_a_time_lapse_is_not_called_0_fps(tmp_path: Path, ffmpeg: str) -> None:
    video = make_video(ffmpeg, tmp_path / "lapse.mp4", "-r", "1/30", seconds=90.0,
                       rate=1)
    line = assert_one_line(gaitcheck("analyze", str(video)), "0.033 frames/s",
                           "one frame every 30 s")
    assert " 0 fps" not in line


def test_avi_without_a_frame_rate_is_refused(tmp_path: Path, ffmpeg: str) -> None:
    avi = tmp_path / "nofps.avi"
    subprocess.run([ffmpeg, "-hide_banner", "-loglevel", "error", "-y", "-t", "1", "-f",
                    "lavfi", "-i", "testsrc=size=160x96:rate=30", "-c:v", "mjpeg", str(avi)],
                   check=True)
    data = bytearray(avi.read_bytes())
    at = data.find(b"strh")
    while data[at + 8:at + 12] != b"vids":
        at = data.find(b"strh", at + 4)
    data[at + 32:at + 36] = bytes(4)  # dwRate = 0: FFmpeg would time it at 25 fps
    avi.write_bytes(bytes(data))
    assert_one_line(gaitcheck("analyze", str(avi)), "the AVI header gives no frame rate",
                    "ffmpeg -r 30")


def test_a_non_npz_landmarks_file_is_named_as_such(clip: Path, tmp_path: Path) -> None:
    fake = tmp_path / "landmarks.npz"
    fake.write_bytes(clip.read_bytes())
    line = assert_one_line(gaitcheck("analyze", "--landmarks", str(fake), "--out",
                                     str(tmp_path / "o")), "not a NumPy .npz archive",
                      "not a gaitcheck landmarks file")
    assert "allow_pickle" not in line and "unsafely" not in line
    assert not (tmp_path / "o").exists()  # a failed run leaves no empty folder


def test_a_corrupt_installed_model_is_called_corrupt(tmp_path: Path) -> None:
    bundled = REPO / "models" / "pose_landmarker_full.task"
    data = bytearray(bundled.read_bytes())
    with zipfile.ZipFile(bundled) as bundle:
        entry = bundle.infolist()[0]
    data[entry.header_offset + 30 + len(entry.filename) + len(entry.extra) + 1000] ^= 0xFF
    (tmp_path / "pose_landmarker_heavy.task").write_bytes(bytes(data))
    proc = gaitcheck("models", env={"GAITCHECK_MODEL_DIR": str(tmp_path)})
    assert proc.returncode == 0, proc.stderr
    text = " ".join(proc.stdout.split())
    assert "heavy" in text and "corrupt: checksum mismatch" in text
    not_installed = text.split("Not installed:", 1)[-1].split(".")[0]
    assert "heavy" not in not_installed


@pytest.mark.slow
def test_pose_runs_without_importing_matplotlib(tmp_path: Path) -> None:
    """MediaPipe's drawing helpers import pyplot; gaitcheck never draws with it, and a
    read-only HOME then printed matplotlib's cache warning on every run."""
    home = tmp_path / "home"
    home.mkdir(mode=0o555)
    code = ("import sys\nfrom gaitcheck.pose.mediapipe_backend import MediaPipeBackend\n"
            "MediaPipeBackend().close()\nprint(sorted(m for m in sys.modules "
            "if m.split('.')[0] == 'matplotlib'))")
    env = {k: v for k, v in os.environ.items() if k not in ("MPLCONFIGDIR",)}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=TIMEOUT_S, env=env | {"HOME": str(home)})
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"
    assert "Matplotlib" not in proc.stderr


@pytest.mark.slow
def test_a_failed_run_leaves_no_empty_output_folder(clip: Path, tmp_path: Path) -> None:
    out = tmp_path / "never"
    assert_one_line(gaitcheck("analyze", str(clip), "--out", str(out)), "no person detected")
    assert not out.exists()


def test_one_frame_is_never_1_frames() -> None:
    from gaitcheck.pose.extract import no_person_message

    assert no_person_message(1, "a.mp4", {}) == "no person detected in the only frame of a.mp4"
    assert "any of the 2 frames" in no_person_message(2, "a.mp4", {})

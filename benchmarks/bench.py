"""gaitcheck benchmark: every stage on the same frames in one run, against the goals.

Sections (``--only`` picks some, comma-separated):

* ``model``: the landmark network alone on pre-decoded 256×256 crops (TFLite
  interpreter from ``ai-edge-litert``, the ``bench`` extra; without it MediaPipe IMAGE
  mode on pre-cropped frames, which also runs the person detector, and the table says so);
* ``pose``: decoding alone, and decoding + MediaPipe (``extract_tracks``);
* ``e2e``: ``analyze_video`` (pose, cleaning, analysis, every report file), with and
  without the annotated video, plus the ``gaitcheck analyze`` command's wall time
  including interpreter start-up;
* ``analysis``: landmarks → report (``build_result``) and the writers, per frame, on the
  clip and on a 10-minute synthetic track;
* ``rss``: peak RSS per process, in MB (10**6 bytes; MiB in the notes), of ``gaitcheck
  analyze`` on the clip looped 1×, 4× and 16×, each in its own process, started through
  a small launcher (``os.wait4`` gives that child's ``ru_maxrss``; see :data:`_LAUNCHER`
  for why the launcher is needed), and of ``gaitcheck batch`` with 2 workers (2 videos,
  and 1 video split): the main process and each worker separately (polled VmHWM);
* ``batch``: ``gaitcheck batch`` throughput with 1 and 2 workers, and 1 worker with
  thread pools of 2; and one video alone with 1 worker against 2 workers (the spare
  core then shares that video's pose pass);
* ``segments``: one video end to end, ``gaitcheck analyze`` (interpreter start-up
  included; wall and CPU seconds of the command) and ``analyze_video`` in this warm
  process, with its pose pass in one piece (``jobs=1``) and in time segments on threads
  (``--jobs``, default the usable cores), run alternately ``--repeat`` times, on the clip
  and on a synthetic clip of ``--synth-seconds`` (``gaitcheck synth``; 0 skips it);
  frames/s, speed-up, and the split run's frame rate against the landmark network alone
  on 2 threads (from the ``model`` section, when it runs). ``--baseline DIR`` adds
  ``gaitcheck analyze --jobs 1`` run from another checkout (the single pass before a
  change) and the speed-up against it. On the clip it also times the clip mirrored
  against the clip re-encoded alike (``gaitcheck analyze --jobs 1`` and ``--jobs K``): what
  a subject facing the other way costs (canonical facing restarts the pass on flipped
  frames; goal ≤ 5 %; ``--no-facing-cost`` skips it). With ``--jobs K`` the ``rss`` section also
  measures one process holding K landmarkers;
* ``stages``: where the wall time of ``gaitcheck analyze`` goes, with ``--jobs 1`` and
  ``--jobs K`` (``benchmarks/stage_profile.py`` in a child process, alternated
  ``--repeat`` times, medians): start-up (interpreter, imports), pose (each segment's
  model load, first frame and end; the exposure decision; stitching), waiting for the
  warm-up imports, analysis, report writers (key frames in parallel), exit.

``--precompile`` first compiles both checkouts' modules to bytecode, as an installed
package has them; without it, where ``PYTHONDONTWRITEBYTECODE`` is set (as on the project's
workplace) every run compiles the modules it imports from source. The run prints which.

Derived inputs (looped clips, the ``--quick`` cut, batch folders) are cached in
``$GAITCHECK_BENCH_CACHE`` (default ``/tmp/gaitcheck-bench``). Run on an idle machine;
ratios are taken within one run so a busy machine still compares like with like.

Usage::

    python benchmarks/bench.py [--video CLIP] [--quick] [--only pose,rss] [--json OUT]
                               [--batch-videos N] [--jobs K] [--repeat R]
                               [--synth-seconds S] [--baseline DIR] [--precompile]

Quick jobs=1 against jobs=2 on the clip alone (about a minute)::

    python benchmarks/bench.py --only segments --jobs 2 --repeat 2 --synth-seconds 0

Issue 17's figures, against the single pass of revision 006b1ad (main before the threaded
split), on an idle machine::

    git worktree add --detach /tmp/gaitcheck-006b1ad 006b1ad
    python benchmarks/bench.py --only model,segments --jobs 2 --repeat 3 \
        --baseline /tmp/gaitcheck-006b1ad
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "videos" / "treadmill_side_30fps.mp4"
SAMPLE = REPO / "sample_videos" / "treadmill_heel_striker_side.mp4"
MODEL = REPO / "models" / "pose_landmarker_full.task"
CACHE = Path(os.environ.get("GAITCHECK_BENCH_CACHE", "/tmp/gaitcheck-bench"))
SECTIONS = ("model", "pose", "e2e", "analysis", "rss", "batch", "segments", "stages")
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
               "NUMEXPR_NUM_THREADS", "VECLIB_MAXIMUM_THREADS")
#: Goals of the issues: end to end ≤ 1.10 × pose; analysis ≤ 2 % of the total; peak RSS
#: per process < 500 MB and 16× ≤ 1.10 × 1×; two batch workers ≥ 1.7 × one; one video
#: split over the 2 cores ≥ 1.7 × its single pass, ``gaitcheck analyze`` wall time (clip
#: and 2-minute synthetic clip).
GOALS = {"e2e/pose": ("<=", 1.10), "analysis/total": ("<=", 0.02),
         "rss_peak_mb": ("<", 500.0), "rss16/rss1": ("<=", 1.10),
         "rss_peak_mb, split": ("<", 500.0), "rss16/rss1, split": ("<=", 1.10),
         "batch2w/1w": (">=", 1.7), "segments speed-up, clip": (">=", 1.7),
         "segments speed-up, synthetic": (">=", 1.7),
         "segments speed-up, clip, against the baseline's single pass": (">=", 1.7),
         "segments speed-up, synthetic, against the baseline's single pass": (">=", 1.7),
         "facing cost: mirrored / as filmed wall, --jobs 1": ("<=", 1.05),
         "facing cost: mirrored / as filmed wall, --jobs 2": ("<=", 1.05)}


class Bench:
    """Collects rows and ratios; every section adds to them."""

    def __init__(self, video: Path, frames: int, quick: bool) -> None:
        self.video, self.frames, self.quick = video, frames, quick
        self.rows: list[dict[str, Any]] = []
        self.ratios: dict[str, float | None] = {}
        self.pose_ms: float | None = None
        self.tracks: Any = None
        self.e2e_s: float | None = None
        self.after_pose_s: float | None = None
        self.batch_videos = 4
        self.jobs: int | None = None
        self.facing_cost = True
        self.baseline: Path | None = None
        self.repeat = 3
        self.synth_seconds = 120.0
        #: ms/frame of the landmark network alone, by thread count (``model`` section).
        self.net_ms: dict[int, float] = {}

    def row(self, section: str, name: str, seconds: float | None, frames: int | None = None,
            value: float | str | None = None, unit: str = "s", note: str = "") -> None:
        per_frame = 1000 * seconds / frames if seconds is not None and frames else None
        self.rows.append({"section": section, "name": name, "seconds": seconds,
                          "frames": frames, "ms_per_frame": per_frame,
                          "value": seconds if value is None else value, "unit": unit,
                          "note": note})

    def ratio(self, key: str, num: float | None, den: float | None) -> None:
        self.ratios[key] = num / den if num is not None and den else None


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def ffmpeg() -> str:
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def count_frames(video: Path) -> int:
    from gaitcheck.video import VideoReader

    return sum(1 for _ in VideoReader(video).frames())


def cached(name: str, make: Callable[[Path], None]) -> Path:
    """A derived input in the cache, built once (atomically: a killed run leaves none)."""
    path = CACHE / name
    if not path.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp{path.suffix}")
        make(tmp)
        tmp.replace(path)
    return path


def cut(video: Path, frames: int) -> Path:
    """The first ``frames`` frames of ``video`` (re-encoded: a copy cuts at keyframes)."""
    return cached(f"{video.stem}_first{frames}.mp4", lambda out: subprocess.run(
        [ffmpeg(), "-hide_banner", "-loglevel", "error", "-y", "-i", str(video), "-frames:v",
         str(frames), "-c:v", "libx264", "-pix_fmt", "yuv420p", str(out)], check=True))


def looped(video: Path, times: int) -> Path:
    """``video`` played ``times`` times in a row (stream copy: no re-encoding)."""
    if times == 1:
        return video
    return cached(f"{video.stem}_x{times}.mp4", lambda out: subprocess.run(
        [ffmpeg(), "-hide_banner", "-loglevel", "error", "-y", "-stream_loop",
         str(times - 1), "-i", str(video), "-c", "copy", str(out)], check=True))


# -- sections ------------------------------------------------------------------------------
def bench_model(b: Bench) -> None:
    """Landmark network on 256×256 crops (centre square of each frame)."""
    from gaitcheck.video import VideoReader
    from gaitcheck.video._cv import cv2

    crops = []
    for frame in VideoReader(b.video).frames():
        h, w = frame.rgb.shape[:2]
        side = min(h, w)
        y0, x0 = (h - side) // 2, (w - side) // 2
        crops.append(cv2.resize(frame.rgb[y0:y0 + side, x0:x0 + side], (256, 256),
                                interpolation=cv2.INTER_AREA))
    try:
        from ai_edge_litert.interpreter import Interpreter
    except ImportError:
        Interpreter = None
    if Interpreter is not None:
        with zipfile.ZipFile(MODEL) as bundle:
            net = bundle.read("pose_landmarks_detector.tflite")
        for threads in (1, 2):
            it = Interpreter(model_content=net, num_threads=threads)
            it.allocate_tensors()
            index = it.get_input_details()[0]["index"]
            inputs = [(c.astype(np.float32) / 255.0)[None] for c in crops]
            it.set_tensor(index, inputs[0])
            it.invoke()  # warm-up: XNNPACK builds its plan on the first call

            def run(it: Any = it, index: int = index, inputs: list = inputs) -> None:
                for x in inputs:
                    it.set_tensor(index, x)
                    it.invoke()

            seconds, _ = timed(run)
            b.net_ms[threads] = 1000 * seconds / len(crops)
            b.row("model", f"landmark net, TFLite, {threads} thread(s)", seconds, len(crops),
                  note="ai-edge-litert on pre-decoded 256x256 crops")
        return
    import threading

    import mediapipe as mp
    from mediapipe.tasks.python import BaseOptions
    from mediapipe.tasks.python.vision import PoseLandmarker, PoseLandmarkerOptions, RunningMode

    options = PoseLandmarkerOptions(base_options=BaseOptions(
        model_asset_buffer=MODEL.read_bytes()), running_mode=RunningMode.IMAGE)
    images = [mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(c))
              for c in crops]
    for threads in (1, 2):  # 2: two landmarkers on two threads, half the crops each
        marks = [PoseLandmarker.create_from_options(options) for _ in range(threads)]
        try:
            for mark in marks:
                mark.detect(images[0])
            workers = [threading.Thread(target=lambda m=m, i=i, n=threads: [
                m.detect(im) for im in images[i::n]]) for i, m in enumerate(marks)]
            t0 = time.perf_counter()
            for w in workers:
                w.start()
            for w in workers:
                w.join()
            seconds = time.perf_counter() - t0
        finally:
            for mark in marks:
                mark.close()
        b.net_ms[threads] = 1000 * seconds / len(crops)
        b.row("model", f"MediaPipe IMAGE mode, 256x256 crops, {threads} thread(s)", seconds,
              len(crops), note="no TFLite interpreter (pip install -e '.[bench]'): "
                               "detector + landmarks")


def bench_pose(b: Bench) -> None:
    from gaitcheck.pose.extract import extract_tracks
    from gaitcheck.pose.mediapipe_backend import MediaPipeBackend
    from gaitcheck.video import VideoReader

    seconds, n = timed(lambda: sum(1 for _ in VideoReader(b.video).frames()))
    b.row("pose", "decode only", seconds, n)
    import mediapipe.tasks.python.vision  # noqa: F401  (imported once, not timed as load)

    load_s, backend = timed(MediaPipeBackend)
    try:
        seconds, extraction = timed(lambda: extract_tracks(VideoReader(b.video), backend))
    finally:
        backend.close()
    b.tracks = extraction.tracks
    b.row("pose", "model load", load_s, None)
    b.row("pose", "decode + MediaPipe", seconds, b.frames)
    # What analyze_video's pose pass costs: it loads the model too.
    b.pose_ms = 1000 * (load_s + seconds) / b.frames
    b.row("pose", "pose stage (model load + decode + MediaPipe)", load_s + seconds, b.frames)


def bench_e2e(b: Bench) -> None:
    from gaitcheck.pipeline import AnalyzeOptions, analyze_video

    with tempfile.TemporaryDirectory(prefix="gaitcheck-bench-") as tmp:
        seconds, output = timed(lambda: analyze_video(b.video, Path(tmp) / "plain",
                                                      AnalyzeOptions()))
        b.e2e_s, b.tracks = seconds, b.tracks or output.tracks
        b.after_pose_s = output.total_s - output.pose_s
        b.row("e2e", "analyze_video (html, csv)", seconds, b.frames)
        b.row("e2e", "  of which after pose: analysis + writers", b.after_pose_s, b.frames,
              note="AnalysisOutput.total_s - pose_s")
        try:
            seconds, _ = timed(lambda: analyze_video(
                b.video, Path(tmp) / "annotated",
                AnalyzeOptions(formats=("html", "csv", "video"))))
            b.row("e2e", "analyze_video --annotate", seconds, b.frames)
        except Exception as err:  # the annotated writer may not exist yet
            b.row("e2e", "analyze_video --annotate", None, b.frames, value="n/a",
                  unit="", note=f"{type(err).__name__}: {err}"[:80])
        seconds, run = timed(lambda: subprocess.run(
            [sys.executable, "-m", "gaitcheck", "analyze", str(b.video), "-o",
             str(Path(tmp) / "cli"), "-q"], capture_output=True, text=True))
        b.row("e2e", "gaitcheck analyze (CLI, incl. start-up)", seconds if not run.returncode
              else None, b.frames, note="" if not run.returncode else run.stderr.strip()[:80])
    b.ratio("e2e/pose", b.e2e_s, b.pose_ms and b.pose_ms * b.frames / 1000)


def _analysis_rows(b: Bench, tracks: Any, label: str) -> tuple[float, float]:
    from gaitcheck.pipeline import AnalyzeOptions, build_result
    from gaitcheck.report.writers import save_result

    analysis_s, result = timed(lambda: build_result(tracks, AnalyzeOptions()))
    with tempfile.TemporaryDirectory(prefix="gaitcheck-bench-") as tmp:
        writers_s, _ = timed(lambda: save_result(result, Path(tmp)))
    n = tracks.n_frames
    b.row("analysis", f"{label}: build_result", analysis_s, n)
    b.row("analysis", f"{label}: writers (landmarks, csv, html, json)", writers_s, n,
          note="key frames decoded from the video (no spool)" if label == "clip" else "")
    return analysis_s, writers_s


def bench_analysis(b: Bench) -> None:
    if b.tracks is None:
        from gaitcheck.pipeline import AnalyzeOptions, run_video

        b.tracks = run_video(b.video, AnalyzeOptions()).tracks
    analysis_s, writers_s = _analysis_rows(b, b.tracks, "clip")
    total = b.e2e_s or (b.pose_ms and b.pose_ms * b.frames / 1000 + analysis_s + writers_s)
    # The definition: everything after pose (analysis and every report file) as
    # analyze_video runs it, key frames from the crops spooled during pose.
    after_pose = b.after_pose_s if b.e2e_s else analysis_s + writers_s
    b.ratio("analysis/total", after_pose, total)
    b.ratio("build_result/total", analysis_s, total)  # landmarks → report.json alone
    from gaitcheck.synth.camera import camera_for_view
    from gaitcheck.synth.kinematics import generate_motion
    from gaitcheck.synth.params import GaitParams
    from gaitcheck.synth.to_tracks import motion_to_tracks

    minutes = 1.0 if b.quick else 10.0
    gait = GaitParams(duration_s=60.0 * minutes)
    camera = camera_for_view("side-left", subject_height_m=gait.body_height_m, fps=gait.fps)
    tracks = motion_to_tracks(generate_motion(gait), camera, None, seed=0)
    analysis_s, writers_s = _analysis_rows(b, tracks, f"{minutes:g}-min synthetic")
    pose_ms = b.pose_ms or 45.0  # README: ~45 ms/frame on the 2-core machine
    pose_s = pose_ms * tracks.n_frames / 1000
    b.row("analysis", f"{minutes:g}-min synthetic: analysis + writers vs pose", None,
          value=100 * (analysis_s + writers_s) / pose_s, unit="% of pose",
          note=f"pose {pose_ms:.1f} ms/frame{'' if b.pose_ms else ' (assumed)'}")
    b.ratios["analysis/pose (synthetic)"] = (analysis_s + writers_s) / pose_s


# Linux carries a process's peak RSS across fork and exec (the child starts with the
# parent's high-water mark), so a child of this already-large process would report our
# peak, not its own. A small launcher process in between starts the measured command from
# a fresh, small address space and reports that child's ``ru_maxrss`` (its own peak, or
# the largest of its and its waited-for children's). On Linux it also polls every process
# below it (``/proc/PID/status`` VmHWM, each process's own peak, every 20 ms), so a batch
# reports its main process and each worker separately: the goal is per process, and
# neither the sum nor the largest one says which process holds what.
_LAUNCHER = r"""
import json, os, subprocess, sys, time
def kids(pid):
    out = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children") as f:
                out += [int(x) for x in f.read().split()]
    except OSError:
        pass
    return out
def hwm(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            kib = next(int(l.split()[1]) for l in f if l.startswith("VmHWM"))
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            cmd = f.read().replace(b"\0", b" ").decode(errors="replace")
        return kib, cmd
    except (OSError, StopIteration):
        return None
p = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL)
seen = {}
while True:
    pid, status, usage = os.wait4(p.pid, os.WNOHANG)
    if pid == p.pid:
        break
    todo = [p.pid]
    while todo:
        q = todo.pop()
        got = hwm(q)
        if got is not None:
            seen[q] = max(seen.get(q, got), got)
        todo += kids(q)
    time.sleep(0.02)
print(json.dumps({"maxrss_kib": usage.ru_maxrss, "code": os.waitstatus_to_exitcode(status),
                  "main": p.pid, "polled_kib": {str(k): v for k, v in seen.items()}}))
"""

#: Bytes per ``ru_maxrss`` unit: KiB on Linux, bytes on macOS.
_MAXRSS_BYTES = 1 if sys.platform == "darwin" else 1024


def peak_rss(cmd: list[str], env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run ``cmd``; its peak RSS per process in MB (10**6 bytes), wall seconds, exit code.

    Returns ``{"main_mb", "workers_mb", "seconds", "code"}``: ``main_mb`` is the command's
    own process (exact ``ru_maxrss`` when it started no Python process, else its polled
    VmHWM), ``workers_mb`` the polled VmHWM of each Python process below it (pool
    workers), largest first; processes under 50 MB (``ldconfig``, the resource tracker)
    are left out.
    """
    t0 = time.perf_counter()
    out = json.loads(subprocess.run([sys.executable, "-c", _LAUNCHER, *cmd],
                                    capture_output=True, text=True, env=env,
                                    check=True).stdout.strip().splitlines()[-1])
    seconds = time.perf_counter() - t0
    polled = {int(k): v for k, v in out["polled_kib"].items()}
    workers = sorted((kib * 1024 / 1e6 for pid, (kib, cmd) in polled.items()
                      if pid != out["main"] and "python" in cmd and kib * 1024 > 50e6),
                     reverse=True)
    main = out["maxrss_kib"] * _MAXRSS_BYTES / 1e6
    if workers and out["main"] in polled:  # ru_maxrss also covers the workers: poll
        main = polled[out["main"]][0] * 1024 / 1e6
    return {"main_mb": main, "workers_mb": workers, "seconds": seconds, "code": out["code"]}


def bench_rss(b: Bench) -> None:
    """Peak RSS per process, MB (10**6 bytes), of ``gaitcheck analyze`` on the clip looped
    1×, 4× and 16× (one pose pass), with ``--jobs K`` on 1× and 16× (K landmarkers in
    one process), and of ``gaitcheck batch`` (2 videos on 2 workers, and 1 video split
    over 2 workers): its main process and each worker.

    The peaks include the pages of the shared libraries the process touched, and how
    many of those are mapped depends on the page cache: the same run measured 497 MB
    with ``libmediapipe.so`` and ``cv2`` cached whole (read, or just installed) and 421
    MB after they were evicted and faulted back in page by page (the kernel maps a
    touched page's cached neighbours too). Compare runs in the same cache state."""
    peaks: dict[int, float | None] = {}
    with tempfile.TemporaryDirectory(prefix="gaitcheck-bench-") as tmp:
        for k in (1, 4, 16):
            got = peak_rss([sys.executable, "-m", "gaitcheck", "analyze",
                            str(looped(b.video, k)), "-o", f"{tmp}/x{k}", "-q"])
            ok = got["code"] == 0
            peaks[k] = got["main_mb"] if ok else None
            note = ""
            with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
                seg = json.loads(Path(f"{tmp}/x{k}/report.json").read_text())["pose"]
                jobs = seg.get("segments", {}).get("jobs")
                note = f"pose split over {jobs} threads of the one process" if jobs else ""
            b.row("rss", f"peak RSS, clip x{k}", got["seconds"], b.frames * k,
                  value=got["main_mb"] if ok else "failed", unit="MB",
                  note=note or f"{got['main_mb'] * 1e6 / 2**20:.0f} MiB")
    if b.jobs and b.jobs > 1:  # one process holding b.jobs landmarkers and decoders
        split: dict[int, float | None] = {}
        with tempfile.TemporaryDirectory(prefix="gaitcheck-bench-") as tmp:
            for k in (1, 16):
                got = peak_rss([sys.executable, "-m", "gaitcheck", "analyze",
                                str(looped(b.video, k)), "-o", f"{tmp}/j{k}", "-q",
                                "--jobs", str(b.jobs)])
                ok = got["code"] == 0
                split[k] = got["main_mb"] if ok else None
                b.row("rss", f"peak RSS, clip x{k}, --jobs {b.jobs}", got["seconds"],
                      b.frames * k, value=got["main_mb"] if ok else "failed", unit="MB",
                      note=f"{b.jobs} landmarkers in one process; "
                           f"{got['main_mb'] * 1e6 / 2**20:.0f} MiB")
        b.ratios["rss_peak_mb, split"] = max((v for v in split.values() if v), default=None)
        b.ratio("rss16/rss1, split", split[16], split[1])
    batch = _bench_rss_batch(b)
    b.ratios["rss_peak_mb"] = max((v for v in [*peaks.values(), *batch] if v), default=None)
    b.ratio("rss16/rss1", peaks[16], peaks[1])


def _bench_rss_batch(b: Bench) -> list[float]:
    """``gaitcheck batch`` rows of :func:`bench_rss`; every process's peak (MB)."""
    found: list[float] = []
    for n_videos in (2, 1):
        folder = CACHE / f"batch_{b.video.stem}_{n_videos}"
        folder.mkdir(parents=True, exist_ok=True)
        for k in range(n_videos):  # distinct names, same frames (hard links: no copies)
            if not (target := folder / f"run_{k}{b.video.suffix}").exists():
                try:
                    os.link(b.video, target)
                except OSError:
                    shutil.copy(b.video, target)
        with tempfile.TemporaryDirectory(prefix="gaitcheck-bench-") as tmp:
            got = peak_rss([sys.executable, "-m", "gaitcheck", "batch", str(folder),
                            "--out", tmp, "--workers", "2", "-q"])
        what = f"batch, {n_videos} video{'s' if n_videos > 1 else ''}, 2 workers"
        if got["code"] != 0:
            b.row("rss", what, got["seconds"], value="failed", unit="MB")
            continue
        b.row("rss", f"peak RSS, {what}: main", got["seconds"], value=got["main_mb"],
              unit="MB", note=f"{got['main_mb'] * 1e6 / 2**20:.0f} MiB")
        for i, mb in enumerate(got["workers_mb"]):
            b.row("rss", f"peak RSS, {what}: worker {i + 1}", None, value=mb, unit="MB",
                  note=f"{mb * 1e6 / 2**20:.0f} MiB")
        found += [got["main_mb"], *got["workers_mb"]]
    return found


def bench_batch(b: Bench) -> None:
    n_videos = b.batch_videos
    folder = CACHE / f"batch_{b.video.stem}_{n_videos}"
    folder.mkdir(parents=True, exist_ok=True)
    for k in range(n_videos):  # distinct names, same frames (hard links: no copies)
        target = folder / f"run_{k}{b.video.suffix}"
        if not target.exists():
            try:
                os.link(b.video, target)
            except OSError:
                shutil.copy(b.video, target)
    if subprocess.run([sys.executable, "-m", "gaitcheck", "batch", "--help"],
                      capture_output=True).returncode != 0:
        for name in ("1 worker", "2 workers", "1 worker, 2 threads"):
            b.row("batch", name, None, value="n/a", unit="", note="no gaitcheck batch")
        return
    times = {}
    for name, workers, threads in (("1 worker", 1, "1"), ("2 workers", 2, "1"),
                                   ("1 worker, 2 threads", 1, "2")):
        env = os.environ | dict.fromkeys(THREAD_VARS, threads)
        with tempfile.TemporaryDirectory(prefix="gaitcheck-bench-") as tmp:
            seconds, run = timed(lambda w=workers, e=env, t=tmp: subprocess.run(
                [sys.executable, "-m", "gaitcheck", "batch", str(folder), "--out", t,
                 "--workers", str(w), "-q"], capture_output=True, text=True, env=e))
        ok = run.returncode == 0
        times[name] = seconds if ok else None
        b.row("batch", name, seconds if ok else None, n_videos * b.frames,
              value=60 * n_videos / seconds if ok else "failed", unit="videos/min",
              note=(f"{n_videos * b.frames / seconds:.1f} frames/s" if ok
                    else run.stderr.strip()[-80:]))
    b.ratio("batch2w/1w", times["1 worker"], times["2 workers"])
    b.ratio("batch 1w2t/1w", times["1 worker"], times["1 worker, 2 threads"])
    # Fewer videos than workers: the spare worker shares the one video's pose pass.
    single = CACHE / f"batch_{b.video.stem}_1"
    single.mkdir(parents=True, exist_ok=True)
    if not (target := single / f"run_0{b.video.suffix}").exists():
        try:
            os.link(b.video, target)
        except OSError:
            shutil.copy(b.video, target)
    for name, workers in (("1 video, 1 worker", 1), ("1 video, 2 workers (pose split)", 2)):
        with tempfile.TemporaryDirectory(prefix="gaitcheck-bench-") as tmp:
            seconds, run = timed(lambda w=workers, t=tmp: subprocess.run(
                [sys.executable, "-m", "gaitcheck", "batch", str(single), "--out", t,
                 "--workers", str(w), "-q"], capture_output=True, text=True))
        ok = run.returncode == 0
        times[name] = seconds if ok else None
        b.row("batch", name, seconds if ok else None, b.frames,
              value=60 / seconds if ok else "failed", unit="videos/min",
              note=(f"{b.frames / seconds:.1f} frames/s" if ok else run.stderr.strip()[-80:]))
    b.ratio("batch 1 video 2w/1w", times["1 video, 1 worker"],
            times["1 video, 2 workers (pose split)"])


def synth_clip(seconds: float) -> Path:
    """A synthetic side-view runner of ``seconds`` (``gaitcheck synth``), cached."""
    return cached(f"synth_{seconds:g}s.mp4", lambda out: subprocess.run(
        [sys.executable, "-m", "gaitcheck", "synth", str(out), "--duration", f"{seconds:g}"],
        check=True, capture_output=True))


def _cpu_s(who: str = "both") -> float:
    """User + system CPU seconds of this process (``"self"``), of its waited-for
    children (``"children"``), or of both."""
    import resource

    total = 0.0
    for kind, flag in (("self", resource.RUSAGE_SELF), ("children", resource.RUSAGE_CHILDREN)):
        if who in (kind, "both"):
            usage = resource.getrusage(flag)
            total += usage.ru_utime + usage.ru_stime
    return total


def bench_segments(b: Bench) -> None:
    """One video end to end, jobs=1 against jobs=K, alternated (a busy machine slows
    both alike), on the clip and a synthetic clip; with ``--baseline DIR`` also the
    single pass of another checkout (today's main: the issue's reference)."""
    from gaitcheck.pipeline import AnalyzeOptions, analyze_video
    from gaitcheck.pose.segments import usable_cores

    jobs = b.jobs or usable_cores()
    videos = [("clip", b.video, b.frames)]
    if b.synth_seconds > 0 and not b.quick:
        video = synth_clip(b.synth_seconds)
        videos.append(("synthetic", video, count_frames(video)))
    configs: list[tuple[str, int, Path]] = [("", 1, REPO), ("", jobs, REPO)]
    if b.baseline is not None:
        configs.insert(0, ("baseline ", 1, b.baseline))
    for label, video, frames in videos:
        runs: dict[int, list[float]] = {1: [], jobs: []}
        cpu: dict[int, list[float]] = {1: [], jobs: []}
        cli: dict[str, list[float]] = {}
        cli_cpu: dict[str, list[float]] = {}
        ran = "?"
        for _ in range(b.repeat):
            for name, k, repo in configs:
                # The command a user runs, interpreter start-up included; from ``repo``
                # (``python -m gaitcheck`` imports the checkout it is run in).
                key = f"{name}--jobs {k}"
                with tempfile.TemporaryDirectory(prefix="gaitcheck-bench-") as tmp:
                    cpu0 = _cpu_s("children")
                    seconds, run = timed(lambda k=k, t=tmp, v=video, r=repo: subprocess.run(
                        [sys.executable, "-m", "gaitcheck", "analyze", str(v), "-o",
                         f"{t}/cli", "-q", "--jobs", str(k)], capture_output=True, cwd=r))
                    cli_cpu.setdefault(key, []).append(_cpu_s("children") - cpu0)
                cli.setdefault(key, []).append(seconds if run.returncode == 0
                                               else float("nan"))
                if name:
                    continue
                # In this process: MediaPipe and the report modules already imported.
                cpu0 = _cpu_s("self")
                with tempfile.TemporaryDirectory(prefix="gaitcheck-bench-") as tmp:
                    seconds, out = timed(lambda k=k, t=tmp, v=video: analyze_video(
                        v, Path(t) / "out", AnalyzeOptions(jobs=k)))
                runs[k].append(seconds)
                cpu[k].append(_cpu_s("self") - cpu0)
                if k == jobs:
                    info = out.tracks.source.get("segments") or {"jobs": 1}
                    ran = f"{info['jobs']}" + (" (fell back)" if "fallback" in info else "")
                    if "segment_wall_s" in info:
                        ran += f", segments' wall s {info['segment_wall_s']}"
        for k, values in runs.items():
            median = float(np.median(values))
            # CPU seconds show the cost of the split (overlap, model loads) even when
            # other jobs load the machine.
            b.row("segments", f"{label} ({video.name}): jobs={k}", median, frames,
                  note=f"{frames / median:.1f} frames/s; runs " +
                       " ".join(f"{v:.1f}" for v in values) + "; CPU s " +
                       " ".join(f"{v:.1f}" for v in cpu[k]) +
                       (f"; threads: {ran}" if k == jobs else ""))
        for key, values in cli.items():
            median = float(np.median(values))
            b.row("segments", f"{label}: gaitcheck analyze {key}", median, frames,
                  note=f"{frames / median:.1f} frames/s; runs " +
                       " ".join(f"{v:.1f}" for v in values) + "; CPU s " +
                       " ".join(f"{v:.1f}" for v in cli_cpu[key]))
        split_cli = float(np.median(cli[f"--jobs {jobs}"]))
        b.ratio(f"segments speed-up, {label}", float(np.median(cli["--jobs 1"])), split_cli)
        if b.baseline is not None:
            b.ratio(f"segments speed-up, {label}, against the baseline's single pass",
                    float(np.median(cli["baseline --jobs 1"])), split_cli)
        one, split = float(np.median(runs[1])), float(np.median(runs[jobs]))
        b.ratio(f"segments speed-up, {label}, analyze_video in a warm process", one, split)
        if label == "clip" and b.facing_cost:
            _facing_cost(b, video, frames, jobs)
        if 2 in b.net_ms:  # the ceiling: the landmark network alone, 2 threads
            b.ratio(f"segments {label}: jobs={jobs} frames/s / 2-thread network rate",
                    frames / split, 1000 / b.net_ms[2])
            b.ratio(f"segments {label}: gaitcheck analyze --jobs {jobs} frames/s / 2-thread "
                    "network rate", frames / split_cli, 1000 / b.net_ms[2])


def _facing_cost(b: Bench, video: Path, frames: int, jobs: int) -> None:
    """What a subject facing the other way costs (canonical facing, issue 14: the pass
    restarts on flipped frames): ``gaitcheck analyze`` on the clip mirrored against the
    clip re-encoded the same way unmirrored (so both decode alike), ``--jobs 1`` and
    ``--jobs K``, alternated ``--repeat`` times. The goal is at most 5 % more wall time."""
    def encode(vf: list[str]) -> Callable[[Path], None]:
        return lambda out: subprocess.run(
            [ffmpeg(), "-v", "error", "-y", "-i", str(video), *vf, "-c:v", "libx264",
             "-preset", "veryfast", "-crf", "18", "-pix_fmt", "yuv420p", "-an", str(out)],
            check=True)

    clips = {"as filmed": cached(f"{video.stem}_reenc.mp4", encode([])),
             "mirrored": cached(f"{video.stem}_mirror.mp4", encode(["-vf", "hflip"]))}
    wall: dict[tuple[str, int], list[float]] = {}
    cpu: dict[tuple[str, int], list[float]] = {}
    for _ in range(b.repeat):
        for k in (1, jobs):
            for name, clip in clips.items():
                with tempfile.TemporaryDirectory(prefix="gaitcheck-bench-") as tmp:
                    cpu0 = _cpu_s("children")
                    seconds, run = timed(lambda c=clip, t=tmp, k=k: subprocess.run(
                        [sys.executable, "-m", "gaitcheck", "analyze", str(c), "-o",
                         f"{t}/cli", "-q", "--jobs", str(k)], capture_output=True, cwd=REPO))
                    cpu.setdefault((name, k), []).append(_cpu_s("children") - cpu0)
                wall.setdefault((name, k), []).append(
                    seconds if run.returncode == 0 else float("nan"))
    for (name, k), values in wall.items():
        b.row("segments", f"facing: {name}, analyze --jobs {k}",
              float(np.median(values)), frames,
              note="runs " + " ".join(f"{v:.2f}" for v in values) + "; CPU s " +
                   " ".join(f"{v:.2f}" for v in cpu[(name, k)]))
    for k in (1, jobs):
        pairs = [m / f for m, f in zip(wall[("mirrored", k)], wall[("as filmed", k)],
                                       strict=True)]
        b.ratio(f"facing cost: mirrored / as filmed wall, --jobs {k}",
                float(np.median(pairs)), 1.0)


def _stage_rows(events: list[dict[str, Any]], spawned: float, returned: float,
                exited: float) -> dict[str, float]:
    """Seconds per stage of one ``stage_profile.py`` run (see :func:`bench_stages`)."""
    def span(name: str, thread: str | None = None) -> list[tuple[float, float]]:
        return [(e["start"], e["end"]) for e in events if e["name"] == name
                and (thread is None or e["thread"] == thread)]

    def total(*names: str) -> float:
        return sum(b - a for n in names for a, b in span(n))

    video = span("pipeline.analyze_video")[0]
    pose = span("pipeline._extract")[0]
    runs = sorted(span("segment_pass.Segment.run"), key=lambda r: r[1])
    loads = span("pipeline._mediapipe_backend")
    out = {"start-up: interpreter, imports, CLI": video[0] - spawned,
           "open video, output folder": pose[0] - video[0],
           "pose pass (all of it)": pose[1] - pose[0],
           "  model load (longest)": max((b - a for a, b in loads), default=0.0),
           "    of which the MediaPipe import": total("run.import_mediapipe_quietly"),
           "  exposure decision (first frames)": total("extract.peek_exposure")}
    if runs:
        out["  first segment to finish"] = runs[0][1] - pose[0]
        out["  last segment to finish"] = runs[-1][1] - pose[0]
        out["  stitching (seams, subject, scene)"] = total(
            "segments.join", "segments.build_extraction", "segments.joined")
    else:
        out["  scene lines, subject"] = total("extract.build_extraction", "hooks._with_scene")
    out["  waiting for the warm-up imports"] = total("run.WarmUp.join")
    out["warm-up imports (on a spare core)"] = total("run.WarmUp._run")
    out["analysis (build_result)"] = total("pipeline.build_result")
    out["video SHA-256 (if not ready)"] = total("pipeline._Digest.get")
    out["report writers (save_result)"] = total("writers.save_result")
    out["  key frames (in parallel)"] = total("keyframes.extract_keyframes")
    out["  HTML"] = total("html.write_html")
    out["  CSV tables + landmarks"] = total("csv_report.write_csvs", "writers.save_tracks_csv",
                                            "writers.save_tracks_npz")
    out["after the run: exit"] = exited - returned
    out["total (command wall time)"] = exited - spawned
    return out


def bench_stages(b: Bench) -> None:
    """Stage profile of ``gaitcheck analyze`` with --jobs 1 and --jobs K (medians)."""
    from gaitcheck.pose.segments import usable_cores

    jobs = b.jobs or usable_cores()
    script = REPO / "benchmarks" / "stage_profile.py"
    runs: dict[int, list[dict[str, float]]] = {1: [], jobs: []}
    cpu: dict[int, list[float]] = {1: [], jobs: []}
    rss: dict[int, list[float]] = {1: [], jobs: []}
    for _ in range(b.repeat):
        for k in runs:
            with tempfile.TemporaryDirectory(prefix="gaitcheck-bench-") as tmp:
                spawned = time.time()
                run = subprocess.run([sys.executable, str(script), str(b.video), "-o",
                                      f"{tmp}/out", "-q", "--jobs", str(k)],
                                     capture_output=True, text=True, cwd=REPO)
                exited = time.time()
            if run.returncode != 0:
                b.row("stages", f"--jobs {k}", None, value="failed", unit="",
                      note=run.stderr.strip()[-80:])
                return
            data = json.loads(run.stdout.strip().splitlines()[-1])
            runs[k].append(_stage_rows(data["events"], spawned, data["returned"], exited))
            cpu[k].append(data["cpu_s"])
            rss[k].append(data["maxrss_mb"] * 2**20 / 1e6)  # MiB -> MB (10**6 bytes)
    for k, rows in runs.items():
        for name in rows[0]:
            values = [r[name] for r in rows]
            b.row("stages", f"--jobs {k}: {name}", float(np.median(values)),
                  b.frames if name.startswith("total") else None,
                  note=("runs " + " ".join(f"{v:.2f}" for v in values) +
                        (f"; CPU s {' '.join(f'{v:.1f}' for v in cpu[k])}; peak RSS MB "
                         f"{' '.join(f'{v:.0f}' for v in rss[k])}"
                         if name.startswith("total") else "")))


# -- output --------------------------------------------------------------------------------
def _met(key: str, value: float | None) -> str:
    if key not in GOALS or value is None:
        return ""
    op, goal = GOALS[key]
    ok = {"<=": value <= goal, "<": value < goal, ">=": value >= goal}[op]
    return "yes" if ok else "NO"


def print_table(b: Bench) -> None:
    print(f"{b.video.name}: {b.frames} frames{' (--quick)' if b.quick else ''}, "
          f"{os.cpu_count()} CPUs, Python {platform.python_version()}")
    head = f"{'section':9s} {'measurement':48s} {'value':>10s} {'unit':11s} {'ms/frame':>9s}"
    print(head + "  note")
    print("-" * (len(head) + 6))
    for r in b.rows:
        value = r["value"]
        shown = f"{value:10.2f}" if isinstance(value, float) else f"{value!s:>10s}"
        per = f"{r['ms_per_frame']:9.2f}" if r["ms_per_frame"] is not None else " " * 9
        print(f"{r['section']:9s} {r['name'][:48]:48s} {shown} {r['unit']:11s} {per}  "
              f"{r['note']}")
    for key, value in b.ratios.items():
        goal = " ".join(str(g) for g in GOALS[key]) if key in GOALS else ""
        shown = f"{value:10.3f}" if value is not None else f"{'n/a':>10s}"
        print(f"{'ratio':9s} {key:48s} {shown} {'goal ' + goal if goal else '':11s} "
              f"{'':9s}  {_met(key, value)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="quick single-video comparison, pose in one pass vs 2 segments (about a "
               "minute):\n  python benchmarks/bench.py --only segments --jobs 2 --repeat 2 "
               "--synth-seconds 0\nthe issue-17 measurement (clip and 2-minute synthetic "
               "clip, with the\n2-thread network rate):\n  python benchmarks/bench.py "
               "--only model,segments --jobs 2 --repeat 3 --baseline DIR\n(DIR: a "
               "checkout of the revision to compare with, e.g. git worktree add --detach "
               "/tmp/gaitcheck-006b1ad 006b1ad)")
    parser.add_argument("--video", type=Path, default=SHARED if SHARED.is_file() else SAMPLE)
    parser.add_argument("--quick", action="store_true",
                        help="a few frames of the clip: a smoke run of every section")
    parser.add_argument("--only", default=",".join(SECTIONS),
                        help=f"sections to run, comma-separated: {','.join(SECTIONS)}")
    parser.add_argument("--json", type=Path, default=None, help="also write results here")
    parser.add_argument("--batch-videos", type=int, default=None,
                        help="videos in the batch section (default 4, 2 with --quick): "
                             "more videos weigh the workers' start-up less")
    parser.add_argument("--baseline", type=Path, default=None,
                        help="segments section: also time `gaitcheck analyze --jobs 1` run "
                             "from this checkout (e.g. /work/main: today's single pass)")
    parser.add_argument("--jobs", type=int, default=None,
                        help="segments section: threads (segments) for the split pose pass "
                             "(default: the usable cores)")
    parser.add_argument("--repeat", type=int, default=3,
                        help="segments section: jobs=1 and jobs=K runs, alternated")
    parser.add_argument("--no-facing-cost", dest="facing_cost", action="store_false",
                        help="segments section: skip the mirrored clip against the clip "
                             "(what a subject facing the other way costs, --jobs 1 and K)")
    parser.add_argument("--precompile", action="store_true",
                        help="first compile this checkout's and --baseline's gaitcheck "
                             "modules to bytecode (python -m compileall), as an installed "
                             "package has them: with PYTHONDONTWRITEBYTECODE set, every "
                             "run otherwise compiles the ~130 modules it imports (~0.4 CPU s "
                             "on a loaded machine, both checkouts alike)")
    parser.add_argument("--synth-seconds", type=float, default=120.0,
                        help="segments section: length of the synthetic clip (0 = clip "
                             "only; skipped with --quick)")
    args = parser.parse_args(argv)
    only = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = [s for s in only if s not in SECTIONS]
    if unknown:
        parser.error(f"unknown section {unknown[0]!r}; choose from {', '.join(SECTIONS)}")
    video = cut(args.video, 12) if args.quick else args.video
    b = Bench(video, count_frames(video), args.quick)  # also warms the file cache
    b.batch_videos = args.batch_videos or (2 if args.quick else 4)
    b.jobs, b.repeat, b.synth_seconds = args.jobs, max(1, args.repeat), args.synth_seconds
    b.facing_cost = args.facing_cost
    b.baseline = args.baseline.resolve() if args.baseline is not None else None
    if args.precompile:
        for repo in (REPO, b.baseline):
            if repo is not None:
                subprocess.run([sys.executable, "-m", "compileall", "-q", "gaitcheck"],
                               cwd=repo, check=True)
    bytecode = "precompiled" if args.precompile else (
        "compiled at every run" if sys.dont_write_bytecode else "cached by Python")
    print(f"gaitcheck bytecode: {bytecode}")
    from gaitcheck.cli.native_stderr import native_stderr_silenced

    with native_stderr_silenced():  # MediaPipe's and TFLite's C++ log lines
        for section in SECTIONS:
            if section in only:
                globals()[f"bench_{section}"](b)
    print_table(b)
    if args.json:
        args.json.write_text(json.dumps({
            "video": str(args.video), "frames": b.frames, "quick": b.quick,
            "bytecode": bytecode,
            "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                        "platform": platform.platform()},
            "rows": b.rows, "ratios": b.ratios,
            "goals": {k: {"op": op, "value": v, "met": _met(k, b.ratios.get(k))}
                      for k, (op, v) in GOALS.items()}}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

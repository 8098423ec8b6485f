"""Batch workers under a watchdog (issue 13, case 2): a worker that hangs on one video is
stopped and that video reported as failed, and the batch always exits, even when a
worker process would not end after its last job (as MediaPipe's ``__del__`` did).

The batch runs in a subprocess with a timeout, so a hang fails the test instead of
hanging the suite. Jobs are fakes (no pose): module-level so spawned workers import them.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
LIMIT_S = 4.0

SCRIPT = """
import dataclasses, json, sys
from pathlib import Path
from gaitcheck.batch.inputs import VideoEntry, assign_names
from gaitcheck.batch.runner import BatchSettings, run_batch
from test_batch_watchdog import LIMIT_S, fake_job

root = Path(sys.argv[1])
entries = assign_names([VideoEntry(root / f"{n}.mp4", f"{n}.mp4")
                        for n in sys.argv[2].split(",")])
fields = {f.name for f in dataclasses.fields(BatchSettings)}
settings = BatchSettings(workers=2, **({"time_limit_s": LIMIT_S}
                                       if "time_limit_s" in fields else {}))
result = run_batch(entries, root / "out", settings, job_fn=fake_job)
print(json.dumps({r["output"] or r["id"]: [r["status"], r["error"]] for r in result.rows}))
"""


def fake_job(job):  # module level: spawned workers import it by name
    if job.name == "hang":
        time.sleep(3600)  # a decoder or pose model that never returns
    if job.name == "linger":
        # Returns, but leaves a thread that keeps the worker process from exiting.
        threading.Thread(target=time.sleep, args=(3600,), daemon=False).start()
    time.sleep(0.2)
    return {"status": "ok", "error": None, "metrics": {"cadence_spm": 170.0},
            "elapsed_s": 0.2}


def run_batch_process(tmp_path: Path, names: str) -> tuple[dict, float]:
    """Run the fake batch over ``names`` in a subprocess; its rows and duration."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(TESTS), *filter(None, [os.environ.get("PYTHONPATH")])])}
    t0 = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-c", SCRIPT, str(tmp_path), names], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        stdout, stderr = proc.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        pytest.fail("the batch never exited: it waits on a stuck worker")
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)  # any worker left behind
    assert proc.returncode == 0, stderr
    return json.loads(stdout.strip().splitlines()[-1]), time.monotonic() - t0


def test_hung_worker_is_stopped_and_the_batch_exits(tmp_path: Path) -> None:
    status, elapsed = run_batch_process(tmp_path, "a,hang,b,linger,c")
    state, error = status.pop("hang")
    assert state == "error" and f"no result after {LIMIT_S:.0f} s" in error, error
    assert "worker was stopped" in error
    assert {k: v[0] for k, v in status.items()} == dict.fromkeys(
        ("a", "b", "linger", "c"), "ok")
    assert elapsed < 90, elapsed


def test_batch_exits_when_a_worker_process_does_not_end(tmp_path: Path) -> None:
    """Every video done, but one worker process would never exit (a non-daemon thread
    left running): the batch still ends, after a short grace period."""
    status, elapsed = run_batch_process(tmp_path, "a,linger,b")
    assert {k: v[0] for k, v in status.items()} == dict.fromkeys(("a", "linger", "b"), "ok")
    assert elapsed < 60, elapsed


def test_time_limit_follows_the_frames_to_analyse(tmp_path: Path) -> None:
    """8 s at 30 fps: 240 frames, 60 in the first 2 s; an unreadable file gets the
    fallback bound."""
    from gaitcheck.batch.executors import (
        LIMIT_BASE_S,
        LIMIT_PER_FRAME_S,
        LIMIT_UNKNOWN_S,
        time_limit_s,
    )
    from gaitcheck.batch.jobs import VideoJob

    sample = str(TESTS.parent / "sample_videos" / "treadmill_heel_striker_side.mp4")
    (tmp_path / "x.mp4").write_bytes(b"not a video")

    def limit(video: str, **options: float) -> float:
        return time_limit_s(VideoJob(video, "r", "n", str(tmp_path), options, "h"))

    assert limit(sample) == LIMIT_BASE_S + 240 * LIMIT_PER_FRAME_S
    assert limit(sample, end_s=2.0) == LIMIT_BASE_S + 61 * LIMIT_PER_FRAME_S
    assert limit(str(tmp_path / "x.mp4")) == limit(str(tmp_path / "gone.mp4")) == \
        LIMIT_UNKNOWN_S

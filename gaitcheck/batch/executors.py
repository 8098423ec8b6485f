"""Run batch jobs in-process, in a local process pool, or on a dask.distributed cluster.

Each executor is a generator of ``(job, outcome)`` pairs in completion order, calling
``on_start(job)`` when a job is handed out. A job that raises (or whose process dies)
still yields an outcome with ``status: "error"``, so the batch goes on. In the process
pool a watchdog stops a worker that runs longer than its video could possibly take
(:func:`time_limit_s`), and the pool's processes are always ended with the batch, so a
stuck worker can never keep the batch from exiting.
"""

from __future__ import annotations

import contextlib
import math
import multiprocessing
import os
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from gaitcheck.batch.jobs import THREAD_ENV_VARS, VideoJob, error_outcome, worker_init
from gaitcheck.errors import InputError

JobFn = Callable[[VideoJob], dict[str, Any]]
Outcomes = Iterator[tuple[VideoJob, dict[str, Any]]]
CRASH_MESSAGE = ("the worker process died while analysing this video, twice (the video "
                 "may crash the decoder or the pose model, or memory ran out)")
#: Watchdog bound: start-up allowance (spawn, imports, model load, hashing) and time per
#: video frame. Pose takes about 0.03 s a frame on one laptop core (the heavy model about
#: 0.1 s), so this is ten times the slowest expected run.
LIMIT_BASE_S = 120.0
LIMIT_PER_FRAME_S = 1.0
#: Bound when the frame count cannot be read (such a video fails fast anyway).
LIMIT_UNKNOWN_S = 3600.0
TimeLimit = Callable[[VideoJob], float]


def time_limit_s(job: VideoJob, probe_timeout_s: float = 10.0) -> float:
    """The longest one video's analysis may take before the watchdog stops its worker:
    :data:`LIMIT_BASE_S` + :data:`LIMIT_PER_FRAME_S` per frame to analyse (the file's
    frame count, cut to ``end_s`` when given), or :data:`LIMIT_UNKNOWN_S` when the
    header does not say.

    The header is read on a daemon thread given ``probe_timeout_s``: a file that hangs
    the decoder must not hang the batch process itself.
    """
    found: list[tuple[float, float]] = []
    probe = threading.Thread(target=_probe, args=(job.video, found), daemon=True,
                             name="gaitcheck-probe")
    probe.start()
    probe.join(probe_timeout_s)
    if not found:
        return LIMIT_UNKNOWN_S
    frames, fps = found[0]
    end_s, slowmo = job.options.get("end_s"), job.options.get("slowmo") or 1.0
    if isinstance(end_s, int | float) and math.isfinite(end_s) and end_s > 0 and fps > 0:
        frames = min(frames, end_s * fps * max(1.0, float(slowmo)) + 1)
    return LIMIT_BASE_S + LIMIT_PER_FRAME_S * frames


def _probe(video: str, found: list[tuple[float, float]]) -> None:
    """Frame count and rate from the container header, if plausible."""
    try:
        from gaitcheck.video._cv import cv2

        capture = cv2.VideoCapture(video)
        try:
            if capture.isOpened():
                frames = float(capture.get(cv2.CAP_PROP_FRAME_COUNT))
                fps = float(capture.get(cv2.CAP_PROP_FPS))
                if math.isfinite(frames) and 0 < frames < 10_000_000:
                    found.append((frames, fps if math.isfinite(fps) else 0.0))
        finally:
            capture.release()
    except Exception:  # a probe only: the worker reports what is wrong with the file
        return


def timeout_message(limit_s: float) -> str:
    """The error of a video whose worker the watchdog stopped."""
    return (f"no result after {limit_s:.0f} s, longer than this video could take: the "
            "worker was stopped (the decoder or pose model hung on it)")


def available_cores() -> int:
    """Cores this process may run on (CPU affinity, containers' cpusets included)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # macOS, Windows
        return max(1, os.cpu_count() or 1)


def _failed(job: VideoJob, err: BaseException) -> dict[str, Any]:
    return error_outcome(job, f"{type(err).__name__}: {err}")


@contextlib.contextmanager
def thread_limited_environment() -> Iterator[None]:
    """Thread limits in ``os.environ`` while pool workers may be spawned.

    A spawned worker imports the parent's ``__main__`` (for the CLI that loads numpy)
    before its initializer runs, so OpenBLAS and OpenMP must find the limits in the
    environment the process starts with. This process's own libraries are already
    loaded and keep their pools; the previous values come back afterwards.
    """
    saved = {var: os.environ.get(var) for var in THREAD_ENV_VARS}
    os.environ.update(dict.fromkeys(THREAD_ENV_VARS, "1"))
    try:
        yield
    finally:
        for var, value in saved.items():
            if value is None:
                os.environ.pop(var, None)
            else:
                os.environ[var] = value


def run_inline(jobs: Iterable[VideoJob], fn: JobFn,
               on_start: Callable[[VideoJob], None]) -> Outcomes:
    """One job after the other in this process (``--workers 1``)."""
    for job in jobs:
        on_start(job)
        try:
            outcome = fn(job)
        except Exception as err:
            outcome = _failed(job, err)
        yield job, outcome


def run_pool(jobs: Iterable[VideoJob], fn: JobFn, workers: int,
             on_start: Callable[[VideoJob], None],
             time_limit: TimeLimit = time_limit_s) -> Outcomes:
    """Jobs in ``workers`` spawned processes, at most one job per process at a time.

    Processes are spawned, not forked: MediaPipe and OpenCV start threads, and a forked
    child inherits their locks in whatever state they were. Only ``workers`` jobs are in
    flight, so ``on_start`` marks a real start. When a worker dies (segfault, out of
    memory) every job in flight is retried once, alone, so an innocent video that
    shared the broken pool still finishes and the culprit is named. A job still running
    after ``time_limit(job)`` seconds is failed with :func:`timeout_message`: the pool's
    processes are killed (the pool does not say which one runs which job) and the other
    jobs in flight are retried like after a crash.
    """
    pending, suspects = deque(jobs), deque()
    with thread_limited_environment():
        yield from _pool_loop(pending, suspects, fn, workers, on_start, time_limit)


def _pool_loop(pending: deque[VideoJob], suspects: deque[VideoJob], fn: JobFn, workers: int,
               on_start: Callable[[VideoJob], None], time_limit: TimeLimit) -> Outcomes:
    retried: set[str] = set()
    running: dict[Future, VideoJob] = {}
    deadlines: dict[Future, tuple[float, float]] = {}  # (monotonic deadline, limit)
    timed_out: dict[str, float] = {}
    pool = _new_pool(workers)

    def submit(job: VideoJob) -> bool:
        try:  # a worker that just died makes submit itself raise, before any future does
            future = pool.submit(fn, job)
        except BrokenProcessPool:
            return False
        on_start(job)
        running[future] = job
        limit = time_limit(job)
        deadlines[future] = (time.monotonic() + limit, limit)
        return True

    try:
        while pending or suspects or running:
            broken = False
            if suspects and not running:
                job = suspects.popleft()
                if submit(job):
                    retried.add(job.name)
                else:
                    suspects.appendleft(job)
                    broken = True
            while not broken and not suspects and pending and len(running) < workers:
                job = pending.popleft()
                if not submit(job):
                    pending.appendleft(job)
                    broken = True
            if not broken:
                first = min((deadline for deadline, _ in deadlines.values()),
                            default=None)
                done, _ = wait(running, return_when=FIRST_COMPLETED, timeout=None
                               if first is None else max(0.0, first - time.monotonic()))
                broken = any(isinstance(f.exception(), BrokenProcessPool) for f in done)
                if not done:  # the watchdog: a job outlived the longest it could take
                    now = time.monotonic()
                    timed_out |= {running[f].name: limit
                                  for f, (deadline, limit) in deadlines.items()
                                  if deadline <= now}
                    _kill_workers(pool)
                    broken = True
            if broken:
                done, _ = wait(running)  # every job in flight fails with the pool
                _end_pool(pool)
                pool = _new_pool(workers)
            for future in done:
                job = running.pop(future)
                deadlines.pop(future, None)
                err = future.exception()
                if err is None:
                    yield job, future.result()
                elif not isinstance(err, BrokenProcessPool):
                    yield job, _failed(job, err)
                elif job.name in timed_out:
                    yield job, error_outcome(job, timeout_message(timed_out[job.name]))
                elif job.name in retried:
                    yield job, error_outcome(job, CRASH_MESSAGE)
                else:
                    suspects.append(job)
    finally:
        _end_pool(pool)


def _kill_workers(pool: ProcessPoolExecutor) -> None:
    """SIGKILL the pool's processes (``_processes`` is CPython's map pid -> process)."""
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        with contextlib.suppress(Exception):
            process.kill()


def _end_pool(pool: ProcessPoolExecutor, grace_s: float = 5.0) -> None:
    """Shut the pool down without ever waiting on a stuck worker: idle workers exit on
    the shutdown message within ``grace_s``; any still alive then is killed."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    end = time.monotonic() + grace_s
    for process in processes:
        with contextlib.suppress(Exception):
            process.join(max(0.0, end - time.monotonic()))
            if process.is_alive():
                process.kill()
                process.join(1.0)


def _new_pool(workers: int) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(max_workers=workers,
                               mp_context=multiprocessing.get_context("spawn"),
                               initializer=worker_init, initargs=(os.getpid(),))


def connect_dask(address: str, timeout_s: float) -> Any:
    """A ``distributed.Client`` connected to the scheduler at ``address``.

    Raises
    ------
    InputError
        dask.distributed is not installed, or the scheduler does not answer.
    """
    try:
        from distributed import Client
    except ImportError:
        raise InputError("--executor dask needs dask.distributed: "
                         'pip install "gaitcheck[cluster]"') from None
    try:
        return Client(address, timeout=f"{timeout_s}s", set_as_default=False)
    except (OSError, TimeoutError, ValueError) as err:
        raise InputError(f"cannot reach the dask scheduler at {address}: "
                         f"{type(err).__name__}: {err}") from None


def run_dask(jobs: Iterable[VideoJob], fn: JobFn, client: Any,
             on_start: Callable[[VideoJob], None]) -> Outcomes:
    """Submit every job to the cluster and yield outcomes as they complete.

    The scheduler decides placement (one job per worker thread: start workers with
    ``--nthreads 1``). A task's exception, or a worker lost for good (``KilledWorker``),
    becomes that video's error.
    """
    from distributed import as_completed

    run_id = uuid.uuid4().hex[:8]
    futures = {}
    try:
        for job in jobs:
            on_start(job)
            future = client.submit(fn, job, key=f"gaitcheck-{job.name}-{run_id}", pure=False)
            futures[future] = job
        for future in as_completed(list(futures), loop=client.loop):
            job = futures[future]
            try:
                outcome = future.result()
            except Exception as err:
                outcome = _failed(job, err)
            yield job, outcome
    finally:
        client.cancel(list(futures))

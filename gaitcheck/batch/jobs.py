"""The per-video job of a batch: plain inputs in, a plain outcome dict out.

:func:`run_job` is the one function every executor runs (in-process, in a process pool,
on dask workers), so it takes and returns only picklable builtins and never raises for a
bad video: failures become ``status: "error"`` with a one-line message.

Output is written into ``<out>/.partial/<name>-<pid>`` and renamed to ``<out>/<name>``
only when complete, with the resume marker (:data:`MARKER_NAME`) written after
``report.json``; so a folder named like a video is always a finished analysis.

Nothing heavy (numpy, OpenCV, MediaPipe) is imported at module level: pool workers
import this module to find :func:`worker_init`, which must limit threads first.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import hashlib
import json
import os
import shutil
import socket
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gaitcheck import __version__
from gaitcheck.fsio import file_sha256

MARKER_NAME = "batch_job.json"
PARTIAL_DIR = ".partial"
#: Thread-pool sizes of OpenMP, OpenBLAS, MKL, numexpr and Accelerate, read once when
#: those libraries load: set before the first numpy/OpenCV import in a worker.
THREAD_ENV_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                   "NUMEXPR_NUM_THREADS", "VECLIB_MAXIMUM_THREADS")
HEAVY_MODULES = ("numpy", "scipy", "cv2", "mediapipe")

# What the worker initializer saw; reported with every outcome so tests and users can
# check that the limits really came first.
_worker_state: dict[str, Any] = {"pool_worker": False, "heavy_before_init": None,
                                 "env_at_start": None}


@dataclass(frozen=True)
class VideoJob:
    """Everything one video's analysis needs, as picklable values.

    Attributes
    ----------
    video : str
        Absolute path of the video, as the machine running the job sees it.
    rel : str
        Path relative to the batch input (for messages).
    name : str
        Output folder name inside ``out_root``.
    out_root : str
        Batch output folder.
    options : dict
        :class:`~gaitcheck.pipeline.AnalyzeOptions` fields.
    settings_hash : str
        :func:`settings_hash` of ``options``, stored in the resume marker.
    limit_threads : bool
        Call :func:`limit_threads` first (dask workers, which have no initializer).
    """

    video: str
    rel: str
    name: str
    out_root: str
    options: dict[str, Any]
    settings_hash: str
    limit_threads: bool = False


def effective_options(defaults: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """Analysis options of one video: batch defaults, then the manifest's overrides.

    Only options that were given are kept (sorted), so the settings hash does not change
    when :class:`~gaitcheck.pipeline.AnalyzeOptions` gains a field the batch never sets.

    Raises
    ------
    ValueError
        A key that is not an ``AnalyzeOptions`` field.
    """
    import dataclasses

    from gaitcheck.pipeline import AnalyzeOptions  # the main process only: workers never

    options: dict[str, Any] = {"slowmo": 1.0, "max_people": 1}
    options |= {k: v for k, v in defaults.items() if v is not None}
    options |= {k: v for k, v in overrides.items() if v is not None}
    unknown = set(options) - {f.name for f in dataclasses.fields(AnalyzeOptions)}
    if unknown:
        raise ValueError(f"unknown analysis option(s): {', '.join(sorted(unknown))}")
    if "formats" in options:
        options["formats"] = list(options["formats"])  # JSON- and hash-friendly
    return dict(sorted(options.items()))


def settings_hash(options: dict[str, Any]) -> str:
    """Short SHA-256 of the analysis options: a change means the video is redone."""
    canonical = json.dumps(options, sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


def limit_threads() -> dict[str, Any]:
    """One compute thread per process: the batch runs one process per core.

    Environment variables only act on libraries not yet loaded, hence
    :func:`worker_init` runs this before anything imports numpy. OpenCV's own pool is set
    through ``cv2.setNumThreads``. MediaPipe's Tasks API has no thread option (its
    ``BaseOptions`` offers only the model and the delegate) and reads no environment
    variable; on Linux its XNNPACK delegate already runs single-threaded (measured: CPU
    time / wall time 1.0 during pose), so nothing more is needed.
    """
    for var in THREAD_ENV_VARS:
        os.environ[var] = "1"
    import cv2

    cv2.setNumThreads(1)
    return {var: os.environ[var] for var in THREAD_ENV_VARS} | {
        "cv2_threads": cv2.getNumThreads()}


def worker_init(parent_pid: int | None = None) -> None:
    """Process-pool initializer: limit threads, then watch the parent.

    Parameters
    ----------
    parent_pid : int, optional
        The batch process. When it dies (killed, crashed) the worker exits too, instead
        of finishing a video nobody waits for; its ``.partial`` folder is removed by the
        next run.
    """
    _worker_state["pool_worker"] = True
    # Spawned workers import the parent's __main__ (the CLI, which loads numpy) before
    # any initializer runs, so the limits must already be in the environment they
    # inherit (:func:`gaitcheck.batch.executors.thread_limited_environment`); this
    # records that they were.
    _worker_state["heavy_before_init"] = [m for m in HEAVY_MODULES if m in sys.modules]
    _worker_state["env_at_start"] = {var: os.environ.get(var) for var in THREAD_ENV_VARS}
    limit_threads()
    if parent_pid is not None:
        threading.Thread(target=_watch_parent, args=(parent_pid,), daemon=True,
                         name="gaitcheck-parent-watch").start()


def _watch_parent(parent_pid: int) -> None:
    while True:
        time.sleep(1.0)
        if os.getppid() != parent_pid:
            os._exit(70)  # no cleanup: the orphaned analysis is abandoned on purpose


def worker_info() -> dict[str, Any]:
    """Where a job ran and with which thread limits (kept in the outcome)."""
    info: dict[str, Any] = {"host": socket.gethostname(), "pid": os.getpid(),
                            **_worker_state}
    info |= {var: os.environ.get(var) for var in THREAD_ENV_VARS}
    if "cv2" in sys.modules:
        info["cv2_threads"] = sys.modules["cv2"].getNumThreads()
    with contextlib.suppress(OSError):  # Linux: every thread of this process
        info["os_threads"] = sum(1 for _ in Path("/proc/self/task").iterdir())
    return info


def shown_video(path: str | Path, rel: str, keep_paths: bool) -> str:
    """A video as batch files name it: its path relative to the batch input, or its
    file name when it lies outside the input; the absolute path only with
    ``keep_paths`` (privacy by default, as ``report.json``)."""
    if keep_paths:
        return str(path)
    return rel if rel and not Path(rel).is_absolute() else Path(path).name


def stored_rel(rel: str, keep_paths: bool) -> str:
    """``rel`` for the resume marker: an absolute one (a video outside the input) is
    replaced by its hash unless ``keep_paths``; :func:`rel_matches` compares both."""
    if keep_paths or not Path(rel).is_absolute():
        return rel
    return "sha256:" + hashlib.sha256(rel.encode("utf-8")).hexdigest()[:32]


def rel_matches(marker: dict[str, Any], rel: str) -> bool:
    """Whether a resume marker was written for the video at ``rel``."""
    return marker.get("rel") in (rel, stored_rel(rel, keep_paths=False))


def _shown(job: VideoJob) -> dict[str, str]:
    keep = bool(job.options.get("keep_paths"))
    return {"rel": stored_rel(job.rel, keep), "video": shown_video(job.video, job.rel, keep)}


def _scrub(message: str, job: VideoJob) -> str:
    """An error message without the video's absolute path (unless ``keep_paths``)."""
    if job.options.get("keep_paths"):
        return message
    return message.replace(job.video, shown_video(job.video, job.rel, False))


def error_outcome(job: VideoJob, message: str, elapsed_s: float | None = None
                  ) -> dict[str, Any]:
    """The outcome of a failed video."""
    return {"name": job.name, **_shown(job), "status": "error",
            "error": _scrub(message, job), "elapsed_s": elapsed_s}


def run_job(job: VideoJob) -> dict[str, Any]:
    """Analyse one video into ``<out_root>/<name>``.

    Returns
    -------
    dict
        ``status`` ("ok", "warning" with caution or serious quality warnings,
        "error"), ``error`` (one line),
        key metrics (:func:`gaitcheck.batch.summary.outcome_from_report`), ``frames``,
        ``elapsed_s``, ``pose_s``, ``cpu_s``, ``video_sha256`` and ``worker``.
    """
    from gaitcheck.batch.summary import outcome_from_report
    from gaitcheck.errors import GaitcheckError

    t0, cpu0 = time.perf_counter(), time.process_time()
    partial = Path(job.out_root) / PARTIAL_DIR / f"{job.name}-{os.getpid()}"
    try:
        if job.limit_threads:
            limit_threads()
        from gaitcheck.pipeline import AnalyzeOptions, analyze_landmarks, analyze_video

        options = dict(job.options)
        if options.get("formats") is not None:
            options["formats"] = tuple(options["formats"])
        _remove(partial)
        # A manifest may list saved landmark tracks (.npz) to re-analyse without pose.
        analyze = analyze_landmarks if job.video.lower().endswith(".npz") else analyze_video
        result = analyze(Path(job.video), partial, AnalyzeOptions(**options))
        outcome = {"name": job.name, **_shown(job), "error": None,
                   **outcome_from_report(result.report), "pose_s": round(result.pose_s, 3)}
        # The analysis hashed the video it decoded (report.json binds it to the report).
        outcome["video_sha256"] = (result.report.get("video") or {}).get(
            "sha256") or file_sha256(Path(job.video))
        outcome["elapsed_s"] = round(time.perf_counter() - t0, 3)
        outcome["cpu_s"] = round(time.process_time() - cpu0, 3)
        outcome["worker"] = worker_info()
        _write_marker(partial, job, outcome)
        _install(partial, Path(job.out_root) / job.name)
        return outcome
    except GaitcheckError as err:
        return error_outcome(job, str(err), round(time.perf_counter() - t0, 3))
    except Exception as err:  # a batch never stops for one video: report and go on
        return error_outcome(job, f"{type(err).__name__}: {err}",
                             round(time.perf_counter() - t0, 3))
    finally:
        _remove(partial)


def _write_marker(folder: Path, job: VideoJob, outcome: dict[str, Any]) -> None:
    from gaitcheck.fsio import write_text_atomic

    marker = {
        "marker_version": 1,
        "gaitcheck_version": __version__,
        **_shown(job),
        "video_sha256": outcome["video_sha256"],
        "video_size": Path(job.video).stat().st_size,
        "settings_hash": job.settings_hash,
        "settings": job.options,
        "status": outcome["status"],
        "finished_utc": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "outcome": outcome,
    }
    write_text_atomic(folder / MARKER_NAME,
                      json.dumps(marker, indent=2, ensure_ascii=False, default=str) + "\n")


def read_marker(folder: Path) -> dict[str, Any] | None:
    """The resume marker of a finished video folder, or None (absent or unreadable)."""
    try:
        marker = json.loads((Path(folder) / MARKER_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return marker if isinstance(marker, dict) and "outcome" in marker else None


def _install(partial: Path, final: Path) -> None:
    """Move a complete folder into place, replacing an older analysis of the video (in
    one atomic exchange where the system can)."""
    from gaitcheck.staging import exchange

    if final.is_dir() and not final.is_symlink() and exchange(partial, final):
        _remove(partial)  # now the older analysis
    elif final.exists() or final.is_symlink():
        old = partial.with_name(partial.name + ".old")
        final.rename(old)  # both inside the batch folder: same file system, atomic
        partial.rename(final)
        _remove(old)
    else:
        partial.rename(final)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()

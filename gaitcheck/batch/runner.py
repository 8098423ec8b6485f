"""Run a batch: resume, executor choice, log and summary around :func:`run_job`.

A re-run skips every video whose folder holds a marker with the same content hash and
the same analysis settings and every file its ``report.json`` lists (``force`` redoes
them; a folder missing a file is redone). Failed videos have no folder and are
tried again. One batch at a time may write to a folder (an advisory lock), which is what
makes removing stale ``.partial`` folders at start safe.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as _dt
import json
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from gaitcheck import __version__
from gaitcheck.batch import executors
from gaitcheck.batch.inputs import VideoEntry
from gaitcheck.batch.jobs import (
    PARTIAL_DIR,
    VideoJob,
    effective_options,
    run_job,
    settings_hash,
    shown_video,
)
from gaitcheck.batch.resume import exclusive, reusable_outcome
from gaitcheck.batch.sessions import SessionRecorder
from gaitcheck.batch.summary import counts, summary_row, write_summary
from gaitcheck.errors import InputError, OutputError
from gaitcheck.fsio import prepare_output_dir

LOG_NAME = "batch.log"


@dataclass(frozen=True)
class BatchSettings:
    """How to run a batch.

    Attributes
    ----------
    defaults : dict
        Batch-wide :class:`~gaitcheck.pipeline.AnalyzeOptions` fields; manifest columns
        override them per video.
    workers : int, optional
        Local processes; default: available cores, capped by the videos to analyse.
        One runs in this process.
    executor : {"local", "dask"}
        Where jobs run.
    scheduler : str, optional
        dask scheduler address (``tcp://host:8786``) for ``executor="dask"``.
    force : bool
        Redo videos that are already done.
    connect_timeout_s : float
        How long to wait for the dask scheduler.
    time_limit_s : float, optional
        Seconds after which a pool worker still analysing one video is stopped and the
        video failed; default: a generous bound from the video's frame count
        (:func:`gaitcheck.batch.executors.time_limit_s`).
    split_videos : bool
        Give each video's pose pass the cores no other video uses (few, long videos;
        :func:`pose_jobs_per_video`). Off by default: a split pass can move angles by
        up to ~2° after a seam, so results would depend on the batch's size.
    record : bool
        Record every finished video with a manifest ``subject_id`` / ``patient_id`` as a
        session in the clinic database (:mod:`gaitcheck.clinic`), from this process
        only, one transaction per video; videos already done are recorded again
        (idempotent), so a re-run completes a database a killed batch left behind.
    database : str, optional
        Database path or URL (default: ``$GAITCHECK_DB``, else the per-user file).
    keep_paths : bool
        Store the videos' absolute paths in the database (default: file names only).
    """

    defaults: dict[str, Any] = field(default_factory=dict)
    workers: int | None = None
    executor: str = "local"
    scheduler: str | None = None
    force: bool = False
    connect_timeout_s: float = 10.0
    time_limit_s: float | None = None
    split_videos: bool = False
    record: bool = True
    database: str | None = None
    keep_paths: bool = False


class BatchReporter:
    """Receives batch progress; the CLI subclasses it with a progress bar."""

    def begin(self, total: int, reused: int, workers: int, where: str) -> None:
        """The batch starts: ``total`` videos, ``reused`` of them already done."""

    def started(self, entry: VideoEntry) -> None:
        """A video was handed to a worker."""

    def finished(self, entry: VideoEntry, row: dict[str, Any]) -> None:
        """A video finished (or was already done: ``row["reused"]``)."""


@dataclass
class BatchResult:
    """Rows of every video in input order, and where they went."""

    out_dir: Path
    rows: list[dict[str, Any]]
    outcomes: dict[str, dict[str, Any]]
    elapsed_s: float
    workers: int
    where: str
    clinic: dict[str, Any] = field(default_factory=dict)

    @property
    def counts(self) -> dict[str, int]:
        return counts(self.rows)

    @property
    def exit_code(self) -> int:
        """0 when every video finished (warnings included), 3 when some failed."""
        return 3 if self.counts["error"] else 0


class BatchLog:
    """Timestamped lines appended to ``batch.log`` (kept across runs)."""

    def __init__(self, path: Path) -> None:
        try:
            self._file: IO[str] = path.open("a", encoding="utf-8")
        except OSError as err:
            raise OutputError(f"cannot write {path}: {err.strerror or err}") from None

    def __call__(self, text: str) -> None:
        stamp = _dt.datetime.now().astimezone().isoformat(timespec="seconds")
        self._file.write(f"{stamp} {text}\n")
        self._file.flush()

    def close(self) -> None:
        self._file.close()


def run_batch(entries: list[VideoEntry], out_dir: Path, settings: BatchSettings,
              reporter: BatchReporter | None = None, info: dict[str, Any] | None = None,
              job_fn: Callable[[VideoJob], dict[str, Any]] = run_job) -> BatchResult:
    """Analyse ``entries`` into ``out_dir`` and keep its summary up to date.

    Parameters
    ----------
    entries : list of VideoEntry
        Videos with unique output names (:func:`gaitcheck.batch.inputs.discover`).
    out_dir : Path
        Batch output folder (created).
    settings : BatchSettings
        Defaults, executor and resume policy.
    reporter : BatchReporter, optional
        Progress receiver.
    info : dict, optional
        Extra description for ``summary.json`` (e.g. the input spec).
    job_fn : callable
        The per-video job (tests substitute it); must be picklable for processes.

    Raises
    ------
    InputError, OutputError
        Bad settings, unreachable scheduler, or an unwritable / busy output folder.
    """
    if settings.executor not in ("local", "dask"):
        raise InputError(f"unknown executor {settings.executor!r}: local or dask")
    if settings.executor == "dask" and not settings.scheduler:
        raise InputError("--executor dask needs --scheduler tcp://HOST:PORT")
    reporter = reporter or BatchReporter()
    t0 = time.perf_counter()
    out = prepare_output_dir(out_dir)
    with exclusive(out):
        # Under the lock nobody else writes here: leftovers are from killed runs.
        shutil.rmtree(out / PARTIAL_DIR, ignore_errors=True)
        log = BatchLog(out / LOG_NAME)
        try:
            return _run_locked(entries, out, settings, reporter, info or {}, job_fn, log, t0)
        finally:
            log.close()
            with contextlib.suppress(OSError):
                (out / PARTIAL_DIR).rmdir()  # only if empty: never hide a failure


def _run_locked(entries: list[VideoEntry], out: Path, settings: BatchSettings,
                reporter: BatchReporter, info: dict[str, Any],
                job_fn: Callable[[VideoJob], dict[str, Any]], log: BatchLog,
                t0: float) -> BatchResult:
    by_name = {e.name: e for e in entries}
    outcomes: dict[str, dict[str, Any]] = {}
    rows: dict[str, dict[str, Any]] = {}
    jobs: list[VideoJob] = []
    clinic = SessionRecorder(settings, out, log) if settings.record and any(
        e.fields.get("subject_id") for e in entries) else None
    for entry in entries:
        options = effective_options(settings.defaults, entry.overrides)
        shash = settings_hash(options)
        if clinic is not None:
            clinic.settings[entry.name] = (shash, options)
        done = None if settings.force else reusable_outcome(out / entry.name, entry, shash)
        if done is not None:
            outcomes[entry.name] = done
            rows[entry.name] = summary_row(entry, done, reused=True,
                                           keep_paths=settings.keep_paths)
            if clinic is not None:
                clinic.record(entry, done)
        else:
            jobs.append(VideoJob(str(entry.path), entry.rel, entry.name, str(out), options,
                                 shash, limit_threads=settings.executor == "dask"))
    client = None
    if settings.executor == "dask":
        where, workers = f"dask {settings.scheduler}", 0
        if jobs:
            client = executors.connect_dask(str(settings.scheduler), settings.connect_timeout_s)
            workers = sum(client.nthreads().values())
            where += f", {workers} worker threads"
            if not workers:
                log("no dask worker is connected yet: videos wait until one is")
    else:
        workers = max(1, min(settings.workers or executors.available_cores(), len(jobs) or 1))
        where = "in this process" if workers == 1 else f"{workers} local processes"
    # One video per worker; only cores no video would use split each video's pose pass
    # into time segments (few, long videos). An explicit "jobs" option is kept.
    split = pose_jobs_per_video(settings, len(jobs))
    jobs = [dataclasses.replace(job, options={"jobs": split} | job.options) for job in jobs]
    if split > 1:
        where += f", each video's pose in {split} time segments on as many threads"
    # Folders by name only, unless --keep-paths (the inputs' place may name patients).
    info = info if settings.keep_paths else _private_info(info)
    header = {"input": info, "out_dir": str(out) if settings.keep_paths else out.name,
              "videos": len(entries), "executor": where,
              "defaults": settings.defaults, "force": settings.force}

    def save(complete: bool) -> list[dict[str, Any]]:
        ordered = [rows[e.name] for e in entries if e.name in rows]
        write_summary(out, ordered, header, complete)
        return ordered

    log(f"batch start: {len(entries)} videos, {len(rows)} already done, {len(jobs)} to "
        f"analyse {where}; gaitcheck {__version__}; input {json.dumps(info, default=str)}; "
        f"defaults {json.dumps(settings.defaults, default=str)}; force {settings.force}")
    reporter.begin(len(entries), len(rows), workers, where)
    for name, row in rows.items():
        log(f"skip {name}: already done (same video content and settings)")
        reporter.finished(by_name[name], row)
    save(complete=not jobs)

    def on_start(job: VideoJob) -> None:
        log(f"start {job.name} <- "
            f"{shown_video(job.video, job.rel, settings.keep_paths)}")
        reporter.started(by_name[job.name])

    if workers == 1 and settings.executor == "local":
        stream = executors.run_inline(jobs, job_fn, on_start)
    else:
        # Largest files first: the longest video starting last would leave the other
        # workers idle at the end (file size stands in for duration, at no cost).
        jobs.sort(key=lambda job: _size(by_name[job.name].path), reverse=True)
        stream = (executors.run_dask(jobs, job_fn, client, on_start)
                  if settings.executor == "dask"
                  else executors.run_pool(jobs, job_fn, workers, on_start, _time_limit(settings)))
    try:
        for job, outcome in stream:
            entry = by_name[job.name]
            outcomes[job.name] = outcome
            rows[job.name] = row = summary_row(entry, outcome,
                                               keep_paths=settings.keep_paths)
            if clinic is not None:
                clinic.record(entry, outcome)
            if row["status"] == "error":
                log(f"error {job.name}: {row['error']}")
            else:
                log(f"done {job.name}: {row['status']}, {outcome.get('frames')} frames, "
                    f"{outcome.get('elapsed_s')} s, worker "
                    f"{(outcome.get('worker') or {}).get('host')}:"
                    f"{(outcome.get('worker') or {}).get('pid')}")
            save(complete=len(rows) == len(entries))
            reporter.finished(entry, row)
    finally:
        if client is not None:
            client.close()
        if clinic is not None:
            clinic.close()
    ordered = save(complete=True)
    elapsed = time.perf_counter() - t0
    tally = counts(ordered)
    log(f"batch end: {tally['ok']} ok, {tally['warning']} with warnings, {tally['error']} "
        f"failed, {len(ordered)} videos in {elapsed:.1f} s (pid {os.getpid()})")
    return BatchResult(out, ordered, outcomes, elapsed, workers, where,
                       clinic.summary() if clinic is not None else {})


def pose_jobs_per_video(settings: BatchSettings, videos: int) -> int:
    """Pose processes per video: the cores left over when there are fewer videos than
    local workers allowed (``settings.workers``, default the available cores), shared
    evenly, when ``settings.split_videos`` asks for it; 1 otherwise, and on dask (one
    video per worker thread)."""
    if not settings.split_videos or settings.executor != "local" or videos <= 0:
        return 1
    budget = settings.workers or executors.available_cores()
    return max(1, budget // videos)


def _time_limit(settings: BatchSettings) -> executors.TimeLimit:
    fixed = settings.time_limit_s
    return executors.time_limit_s if fixed is None else lambda job: fixed


def _private_info(info: dict[str, Any]) -> dict[str, Any]:
    """``info`` with an absolute input ``spec`` (folder, glob, manifest) cut to its name."""
    spec = str(info.get("spec") or "")
    if not spec or not Path(spec).expanduser().is_absolute():
        return info
    return {**info, "spec": Path(spec).name}


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0  # missing videos fail fast anyway

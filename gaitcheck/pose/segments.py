"""One video on every core: the pose pass split into contiguous time segments.

MediaPipe runs its network on one thread, so a single pose pass leaves the other cores
idle. With K jobs the analysis window is cut into K consecutive segments. This process
analyses the first; each other segment runs in a spawned worker process with its own
decoder, which seeks shortly before the segment (FFmpeg lands on a key frame and
decodes forward), and its own landmarker in VIDEO mode (timestamps increase within
each landmarker). Each segment starts :data:`OVERLAP_S` before the previous one ends;
:func:`gaitcheck.pose.seams.join` checks that the shared frames are the same frames and
cuts where the landmarks agree best. The subject is then chosen once, over the
stitched candidates of the whole video, exactly as in a single pass, so the same person
is followed throughout.

Whenever the segments cannot be joined with certainty (a seek that landed past the
segment, variable timing that does not line up, a damaged stretch of the file, a worker
that failed, or landmarkers that followed different people at a seam), the pose pass
is redone in one piece: slower, never different. Why, is kept in
``tracks.source["segments"]``.

Workers are started with ``spawn`` (never ``fork``: MediaPipe and OpenCV run threads);
a program calling :func:`gaitcheck.pipeline.analyze_video` must therefore guard its
entry point with ``if __name__ == "__main__":``, as any multiprocessing program.
"""

from __future__ import annotations

import contextlib
import math
import multiprocessing
import os
import queue as queue_mod
import sys
import time
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from gaitcheck.errors import InputError
from gaitcheck.pose.backend import PoseBackend
from gaitcheck.pose.extract import (
    Extraction,
    PosePass,
    ProgressCallback,
    build_extraction,
    extract_tracks,
    run_pose,
    stats_every,
)
from gaitcheck.pose.seams import (
    SEAM_MAX_DISAGREEMENT,
    SeamError,
    join,
    subject_crosses_seams,
)
from gaitcheck.video.reader import Frame, VideoReader

if TYPE_CHECKING:
    from gaitcheck.report.cropspool import CropSpool

#: Seconds of video that consecutive segments share (where the seam is chosen).
OVERLAP_S = 0.5
#: Shortest segment worth a process (seconds of video, overlap excluded): a worker
#: takes about 2 s to start (Python, OpenCV, MediaPipe, the model).
MIN_SEGMENT_S = 2.0
#: Extra frames given to this process's own (first) segment when MediaPipe is already
#: loaded here (the Python API called again): the workers still start cold, about 1.5 s
#: of imports and model loading. From the command line both sides start cold and this
#: process also compiles the report modules meanwhile, so the segments are equal.
#: ``tracks.source["segments"]`` records how long this process waited for the workers.
HEAD_START_FRAMES = 60


def head_start_frames() -> int:
    """:data:`HEAD_START_FRAMES` if MediaPipe is already imported in this process, else 0."""
    return HEAD_START_FRAMES if "mediapipe.tasks.python.vision" in sys.modules else 0
#: Workers seek this far before their segment, so the frame FFmpeg lands on is before
#: it even when the nominal frame rate misplaces times (variable frame rate).
SEEK_BACK_S = 1.0
#: Progress is sent by workers every this many frames.
_PROGRESS_EVERY = 10

BackendFactory = Callable[[Any], PoseBackend]


def usable_cores() -> int:
    """Cores this process may run on (CPU affinity, containers' cpusets included)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # macOS, Windows
        return max(1, os.cpu_count() or 1)


def default_jobs() -> int:
    """Processes for one video's pose pass when none is asked for: ``$GAITCHECK_JOBS``
    if set, else 1.

    One pass is the default because MediaPipe's VIDEO mode carries state from frame to
    frame: a segment that starts mid-clip gives angles up to ~2° different after the
    seam (measured on the shared and sample clips), so a default of
    :func:`usable_cores` would make the numbers depend on the machine's core count.
    ``--jobs N`` (or ``$GAITCHECK_JOBS``) trades that for speed.

    Raises
    ------
    InputError
        ``$GAITCHECK_JOBS`` is not a whole number from 1 up.
    """
    value = os.environ.get("GAITCHECK_JOBS", "").strip()
    if not value:
        return 1
    if not value.isdigit() or int(value) < 1:
        raise InputError(f"GAITCHECK_JOBS must be a whole number from 1 up, got {value!r}")
    return int(value)


@dataclass(frozen=True)
class SegmentPlan:
    """One segment: the reader window (file time, s) and where its decoder seeks.

    ``start_s`` / ``end_s`` of None mean the start / end of the file; ``seek_s`` None
    means decode from the start (the first segment, like a single pass).
    """

    start_s: float | None
    end_s: float | None
    seek_s: float | None


def plan_segments(reader: VideoReader, jobs: int, head_start: int = 0) -> list[SegmentPlan]:
    """Split ``reader``'s window into at most ``jobs`` segments, the first longer by
    ``head_start`` frames (see :func:`head_start_frames`).

    Returns an empty list when the video is analysed in one pass: one job, a frame
    stride (the stride's phase is counted from the window start), an unknown duration,
    or a window too short for two segments of :data:`MIN_SEGMENT_S`.
    """
    info = reader.info
    if jobs <= 1 or reader.stride != 1 or not (math.isfinite(info.duration_s)
                                                and math.isfinite(info.fps)):
        return []
    start = reader.start_s or 0.0
    end = info.duration_s if reader.end_s is None else min(reader.end_s, info.duration_s)
    lead = head_start / info.fps
    k = jobs
    while k > 1 and (end - start - lead) / k < MIN_SEGMENT_S:
        k -= 1
    if k <= 1:
        return []
    step = (end - start - lead) / k
    bounds = [start + lead + step * i for i in range(1, k)]
    plans = [SegmentPlan(reader.start_s, bounds[0], None)]
    for i, first in enumerate(bounds):
        begin = first - OVERLAP_S
        plans.append(SegmentPlan(begin, bounds[i + 1] if i + 1 < len(bounds) else reader.end_s,
                                 max(0.0, begin - SEEK_BACK_S)))
    return plans


@dataclass(frozen=True)
class SegmentJob:
    """What a worker needs, as picklable values."""

    segment: int
    video: str
    plan: SegmentPlan
    slowmo: float
    options: Any
    backend_factory: BackendFactory
    every: int
    spool_path: str | None
    spool_min_side: int
    parent_pid: int


@dataclass(frozen=True)
class SegmentOutput:
    """A worker's pose pass and how its decode went."""

    found: PosePass
    spool_entries: dict[int, list[Any]] | None
    decode_errors: int
    stopped_early: bool
    peak_rss_mb: float | None = None


def peak_rss_mb() -> float | None:
    """This process's peak resident memory (MB) since it started, or None if unknown.

    Read from ``/proc/self/status`` (VmHWM, per address space): ``ru_maxrss`` would
    include the parent's peak, which Linux carries across fork and exec.
    """
    try:
        with Path("/proc/self/status").open(encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except (OSError, ValueError, IndexError):
        pass
    return None


def segment_frames(reader: VideoReader, plan: SegmentPlan) -> Iterator[Frame]:
    """The frames of one segment: seek, and decode from the start instead when the seek
    landed after the segment's start (its first frame more than a frame interval late)."""
    frames = cast(Generator[Frame, None, None], reader.frames(seek_s=plan.seek_s))
    first = next(frames, None)
    late = 1.5 / (reader.info.fps if math.isfinite(reader.info.fps) else 30.0)
    if first is not None and plan.seek_s and plan.start_s is not None and (
            first.time_s * reader.info.slowmo > plan.start_s + late):
        frames.close()
        yield from reader.frames()
        return
    if first is not None:
        yield first
    yield from frames


def run_segment(job: SegmentJob, messages: Any) -> None:
    """Worker process: analyse one segment, send ``("progress"|"done"|"error", k, …)``."""
    spool = None
    try:
        from gaitcheck.video._cv import cv2

        cv2.setNumThreads(1)  # one process per core already
        reader = VideoReader(job.video, job.plan.start_s, job.plan.end_s, job.slowmo)
        if job.spool_path is not None:
            from gaitcheck.report.cropspool import CropSpool

            spool = CropSpool(job.spool_min_side, Path(job.spool_path))
        backend = job.backend_factory(job.options)

        def on_frame(done: int) -> None:
            if done % _PROGRESS_EVERY == 0:
                if os.getppid() != job.parent_pid:
                    raise SystemExit(1)  # the analysis was abandoned
                messages.put(("progress", job.segment, done))

        try:
            found = run_pose(segment_frames(reader, job.plan), backend, job.every, on_frame,
                             spool.add if spool is not None else None, sample_by_index=True)
        finally:
            backend.close()
        entries = spool.entries() if spool is not None and spool.failed is None else None
        messages.put(("done", job.segment, SegmentOutput(
            found, entries, reader.decode_errors, reader.decode_stopped_early,
            peak_rss_mb())))
    except BaseException as err:  # reported to the parent, which decides
        messages.put(("error", job.segment, f"{type(err).__name__}: {err}"))
    finally:
        if spool is not None:
            spool.close()


class _Workers:
    """The spawned workers of segments 1..K-1 and their message queue."""

    def __init__(self, jobs: list[SegmentJob]) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.messages = ctx.Queue()
        self.processes = {job.segment: ctx.Process(target=run_segment,
                                                   args=(job, self.messages), daemon=True,
                                                   name=f"gaitcheck-segment-{job.segment}")
                          for job in jobs}
        self.progress = dict.fromkeys(self.processes, 0)
        self.outputs: dict[int, SegmentOutput] = {}
        self.failure: str | None = None
        for process in self.processes.values():
            process.start()

    def _handle(self, message: tuple[str, int, Any]) -> None:
        kind, segment, payload = message
        if kind == "progress":
            self.progress[segment] = payload
        elif kind == "done":
            self.outputs[segment] = payload
            self.progress[segment] = len(payload.found)
        elif self.failure is None:
            self.failure = f"segment {segment + 1}: {payload}"

    def poll(self) -> None:
        """Take the messages waiting, without blocking."""
        with contextlib.suppress(queue_mod.Empty):
            while True:
                self._handle(self.messages.get_nowait())

    def wait(self, on_progress: Callable[[], None]) -> None:
        """Until every worker has answered (or one failed or died)."""
        while len(self.outputs) < len(self.processes) and self.failure is None:
            try:
                self._handle(self.messages.get(timeout=0.5))
            except queue_mod.Empty:
                for segment, process in self.processes.items():
                    if segment not in self.outputs and process.exitcode is not None:
                        self.poll()  # its last message may have arrived just now
                        if segment not in self.outputs and self.failure is None:
                            self.failure = (f"segment {segment + 1}: worker exited "
                                            f"(code {process.exitcode})")
            on_progress()

    def close(self) -> None:
        for process in self.processes.values():
            if process.is_alive() and process.pid is not None:
                process.terminate()
        for process in self.processes.values():
            process.join(timeout=5)
        self.messages.close()
        self.messages.join_thread()


def extract_in_segments(
    reader: VideoReader,
    plans: list[SegmentPlan],
    backend_factory: BackendFactory,
    options: Any,
    on_frame: ProgressCallback | None = None,
    spool: CropSpool | None = None,
) -> Extraction:
    """The pose pass of ``reader``'s window in ``len(plans)`` processes (this one and
    spawned workers), stitched into the :class:`Extraction` a single pass gives.

    Parameters
    ----------
    reader : VideoReader
        The video and its analysis window (stride 1).
    plans : list of SegmentPlan
        From :func:`plan_segments` (two or more).
    backend_factory : callable
        Builds a pose backend from ``options``; must be picklable (a module-level
        function) as every worker calls it.
    options : AnalyzeOptions
        Passed to ``backend_factory``.
    on_frame : callable, optional
        Called with the number of window frames analysed so far (all segments).
    spool : CropSpool, optional
        Receives the foot crops of every segment.
    """
    every = stats_every(reader)
    jobs = [SegmentJob(k, str(reader.path), plan, reader.info.slowmo, options,
                       backend_factory, every,
                       str(spool.part_path(k)) if spool is not None else None,
                       spool.min_side if spool is not None else 0, os.getpid())
            for k, plan in enumerate(plans) if k > 0]
    total = reader.expected_frames
    workers = _Workers(jobs)  # first: they start up while this process loads its model
    try:
        own = [0]

        def report() -> None:
            if on_frame is not None:
                done = own[0] + sum(workers.progress.values())
                on_frame(min(done, total) if total else done)

        def on_own_frame(done: int) -> None:
            own[0] = done
            if done % _PROGRESS_EVERY == 0:
                workers.poll()
                report()

        t0 = time.perf_counter()
        first = VideoReader(reader.path, plans[0].start_s, plans[0].end_s, reader.info.slowmo)
        backend = backend_factory(options)
        try:
            head = run_pose(first.frames(), backend, every, on_own_frame,
                            spool.add if spool is not None else None, sample_by_index=True)
            describe = backend.describe()
        finally:
            backend.close()
        t1 = time.perf_counter()
        workers.wait(report)
        # How well the segments were balanced (for tuning HEAD_START_FRAMES).
        timing = {"first_segment_s": round(t1 - t0, 2),
                  "waited_for_workers_s": round(time.perf_counter() - t1, 2)}
        reason = workers.failure or _decode_problem(first, workers.outputs)
        seams = []
        if reason is None:
            try:
                for k in range(1, len(plans)):
                    seam, offset = join(head, workers.outputs[k].found, reader.info.width,
                                        reader.info.height)
                    seams.append(seam)
                    entries = workers.outputs[k].spool_entries
                    if spool is not None and entries is not None:
                        spool.adopt(spool.part_path(k), entries, offset)
            except SeamError as err:
                reason = str(err)
        worst = max((s.disagreement for s in seams), default=0.0)
        if reason is None and worst > SEAM_MAX_DISAGREEMENT:
            reason = (f"the segments' landmarks differ at a seam (median {worst:.3f} body "
                      "heights): they may have followed different people")
    finally:
        workers.close()
    if reason is not None:
        return _single_pass(reader, backend_factory, options, on_frame, spool,
                            {"jobs": 1, "planned_jobs": len(plans), "fallback": reason})
    last = workers.outputs[len(plans) - 1]
    decoding = {"stopped_early": last.stopped_early, "frames_skipped": 0,
                "first_error_s": None}
    segments = {"jobs": len(plans), "overlap_s": OVERLAP_S,
                "seams": [s.to_dict() for s in seams],
                "worker_peak_rss_mb": [workers.outputs[k].peak_rss_mb
                                       for k in range(1, len(plans))]} | timing
    extraction = build_extraction(head, reader, describe, decoding,
                                  extra_source={"segments": segments})
    tracks = extraction.tracks
    reason = subject_crosses_seams(tracks.image, tracks.frame_index, seams,
                                   reader.info.width, reader.info.height)
    if reason is not None:
        return _single_pass(reader, backend_factory, options, on_frame, spool,
                            {"jobs": 1, "planned_jobs": len(plans), "fallback": reason})
    return extraction


def _decode_problem(first: VideoReader, outputs: dict[int, SegmentOutput]) -> str | None:
    if first.decode_errors or any(out.decode_errors for out in outputs.values()):
        # After a damaged stretch frame numbers are re-synchronised from times, which
        # only a decode from the start reproduces exactly.
        return "frames failed to decode (a damaged stretch of the file)"
    return None


def _single_pass(reader: VideoReader, backend_factory: BackendFactory, options: Any,
                 on_frame: ProgressCallback | None, spool: CropSpool | None,
                 segments: dict[str, Any]) -> Extraction:
    backend = backend_factory(options)
    try:
        extraction = extract_tracks(reader, backend, on_frame=on_frame,
                                    on_pose=spool.add if spool is not None else None)
    finally:
        backend.close()
    tracks = extraction.tracks
    tracks.source["segments"] = segments
    return extraction


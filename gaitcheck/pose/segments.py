"""One video on every core: the pose pass split into contiguous time segments.

MediaPipe runs its network on one core, so a single pose pass leaves the other cores
idle. With K jobs the analysis window is cut into K consecutive segments, analysed at
the same time on K threads of this process, each with its own decoder, which seeks
shortly before its segment (FFmpeg lands on a key frame and decodes forward), and its
own landmarker in VIDEO mode (timestamps increase within each landmarker). Threads, not
processes: MediaPipe's Tasks API calls its C library through ``ctypes``, which releases
the GIL, and each landmarker runs on its own native threads, so K landmarkers in one
process run in parallel (measured: no serialisation between two instances), without a
second interpreter, a second import of OpenCV and MediaPipe, or pickling results.

One segment's pass (its decoder, landmarker and hooks) is
:class:`gaitcheck.pose.segment_pass.Segment`; this module plans the segments, runs them
and stitches them. Each segment starts :data:`OVERLAP_S` before the previous one ends;
:func:`gaitcheck.pose.seams.join` checks that the shared frames are the same frames and
cuts where the landmarks agree best. The subject is then chosen once, over the stitched
candidates of the whole video, exactly as in a single pass, so the same person is
followed throughout. The pose hooks (scene-line frames, scene motion, foot crops) run
per segment and are joined at the seams (:func:`gaitcheck.pose.hooks.joined`).

Whenever the segments cannot be joined with certainty (a seek that landed past the
segment, variable timing that does not line up, a damaged stretch of the file, a
segment that failed, or landmarkers that followed different people at a seam), the
pose pass is redone in one piece: slower, never different. Why, is kept in
``tracks.source["segments"]``.

A landmarker that starts mid-video does not converge onto the single pass's landmarks:
MediaPipe's tracking feeds each frame's landmarks into the next frame's crop, and two
landmarkers started at different frames keep differing by a median 0.4-1.3 % of torso
length per landmark (feet 2-6 %, a foot swapped or thrown in 4-9 % of the real clip's
frames, 2-4 % of the heel-striker sample's) however long they run, with no frame
identical again (``benchmarks/seam_study.py``), as a single pass started a few frames
later does. The angles read at gait events move most: the event detector calibrates
each foot's events by a median over all its stances, so the landmarks after a seam
re-time that foot's events before it too (``benchmarks/seam_metrics.py``). Hence
``--jobs`` is opt-in (:func:`default_jobs`).
"""

from __future__ import annotations

import copy
import math
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any, cast

from gaitcheck.pose.backend import PoseBackend
from gaitcheck.pose.canonical import RestartFlipped
from gaitcheck.pose.extract import (
    Extraction,
    PosePass,
    ProgressCallback,
    build_extraction,
    extract_tracks,
    stats_every,
)
from gaitcheck.pose.hooks import Part, PassHooks, joined
from gaitcheck.pose.pipelined import HookThread
from gaitcheck.pose.seams import (
    SEAM_MAX_DISAGREEMENT,
    SeamError,
    join,
    subject_crosses_seams,
)
from gaitcheck.pose.segment_pass import (  # noqa: F401  (segment_frames: re-exported)
    BackendFactory,
    Cancelled,
    Segment,
    SegmentPlan,
    segment_frames,
)
from gaitcheck.video.exposure import Exposure
from gaitcheck.video.readahead import READ_AHEAD
from gaitcheck.video.reader import VideoReader

if TYPE_CHECKING:
    from gaitcheck.report.cropspool import CropSpool

#: Seconds of video that consecutive segments share (where the seam is chosen): a
#: landmarker started mid-video settles to its lasting difference from the single pass
#: in 5-32 frames (median 16) and never gets closer. Seams forced 5-40 frames after the
#: later start change the analysis by noise only (27 splits: RMS angle change -0.06 to
#: -0.14° ± 0.05-0.10° from 0.53°, median 0), so a longer or adaptive overlap would add
#: pose frames for nothing (``benchmarks/seam_metrics.py --seam-after``).
OVERLAP_S = 0.5
#: Shortest segment worth a thread (seconds of video, overlap excluded): each segment
#: costs a model load (~0.2 s), a seek and its overlap.
MIN_SEGMENT_S = 2.0
#: Segments seek this far before their start, so the frame FFmpeg lands on is before
#: it even when the nominal frame rate misplaces times (variable frame rate). Only
#: decoded, never given to the landmarker.
SEEK_BACK_S = 1.0
#: Frames of pose the first segment gets fewer than the others (the head start of
#: :func:`plan_segments`, negative): its thread is free about that much earlier (~0.5 s
#: of pose), and imports the modules the analysis needs meanwhile
#: (:class:`gaitcheck.pose.run.WarmUp`: ~0.65 CPU-s), with its landmarker and decoder
#: already released, instead of slowing both landmarkers and adding its memory to theirs.
#: The later segments also seek and decode up to :data:`SEEK_BACK_S` unused frames.
WARM_UP_FRAMES = 30

def usable_cores() -> int:
    """Cores this process may run on (CPU affinity, containers' cpusets included)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # macOS, Windows
        return max(1, os.cpu_count() or 1)


def default_jobs() -> int:
    """Segments of one video's pose pass when none is asked for: ``$GAITCHECK_JOBS``
    if set, else 1.

    One pass is the default because MediaPipe's VIDEO mode carries state from frame to
    frame: after a seam the landmarks follow the later landmarker's own history, which
    moves angles read at gait events by up to 3.3° (hip extension at toe-off, heel-
    striker sample, two segments), as starting a single pass a few frames later does
    (up to 5.4°), so a default of :func:`usable_cores` would make the numbers depend on
    the machine's core count. ``--jobs N`` (or ``$GAITCHECK_JOBS``) trades that for speed.

    Raises
    ------
    InputError
        ``$GAITCHECK_JOBS`` is not a whole number in range
        (:func:`gaitcheck.validation.jobs_from_env`).
    """
    from gaitcheck.validation import jobs_from_env

    return jobs_from_env(os.environ.get("GAITCHECK_JOBS", "")) or 1


def plan_segments(reader: VideoReader, jobs: int, head_start: int = 0) -> list[SegmentPlan]:
    """Split ``reader``'s window into at most ``jobs`` segments that each run pose on
    as many frames (overlap included), the first on ``head_start`` frames more.

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
    # Segment 0: [start, b1]; segment i: [b_i - overlap, b_i+1]; all as long.
    length = (end - start - lead + (k - 1) * OVERLAP_S) / k
    bounds = [start + lead + length + (length - OVERLAP_S) * i for i in range(k - 1)]
    plans = [SegmentPlan(reader.start_s, bounds[0], None)]
    for i, first in enumerate(bounds):
        begin = first - OVERLAP_S
        plans.append(SegmentPlan(begin, bounds[i + 1] if i + 1 < len(bounds) else reader.end_s,
                                 max(0.0, begin - SEEK_BACK_S)))
    return plans


def extract_in_segments(
    reader: VideoReader,
    plans: list[SegmentPlan],
    backend_factory: BackendFactory,
    options: Any,
    on_frame: ProgressCallback | None = None,
    spool: CropSpool | None = None,
    first_free: Callable[[], None] | None = None,
) -> Extraction:
    """The pose pass of ``reader``'s window in ``len(plans)`` threads, stitched into the
    :class:`Extraction` a single pass gives, its tracks with the pose hooks' scene
    motion and scene lines (:mod:`gaitcheck.pose.hooks`).

    Parameters
    ----------
    reader : VideoReader
        The video and its analysis window (stride 1).
    plans : list of SegmentPlan
        From :func:`plan_segments` (two or more).
    backend_factory : callable
        Builds a pose backend from ``options`` (called once per segment).
    options : AnalyzeOptions
        Passed to ``backend_factory``.
    on_frame : callable, optional
        Called (on the calling thread) with the number of window frames analysed so far
        (all segments).
    spool : CropSpool, optional
        Receives the foot crops of every segment.
    first_free : callable, optional
        Called once, on the thread of the first segment to finish (its landmarker and
        decoder released), while the others still run: work that would otherwise slow
        them (see :data:`WARM_UP_FRAMES`).
    """
    from gaitcheck.report.cropspool import CropSpool

    every, total = stats_every(reader), reader.expected_frames
    # One exposure decision for the clip, from its first frames as in a single pass, so
    # every segment's landmarker sees the same corrected frames (gaitcheck.video.exposure):
    # the first segment takes it from the frames it decodes anyway.
    exposure: Future[Exposure] = Future()
    once = threading.Lock()

    def finished() -> None:
        if first_free is not None and once.acquire(blocking=False):
            first_free()

    segs = [Segment(k, _segment_reader(reader, plan), plan,
                    PassHooks(total, None, by_index=True), None, total)
            for k, plan in enumerate(plans)]
    for seg in segs:
        if spool is not None:
            seg.spool = spool if seg.number == 0 else CropSpool(
                spool.min_side, spool.part_path(seg.number))
            seg.hooks.spool = seg.spool

    def report() -> None:
        if on_frame is not None:
            done = sum(seg.done for seg in segs)
            on_frame(min(done, total) if total else done)

    t0, cancel = time.perf_counter(), threading.Event()
    threads = [threading.Thread(target=seg.run, args=(backend_factory, options, every, t0,
                                                      cancel, exposure, None, finished),
                                name=f"gaitcheck-segment-{seg.number}", daemon=True)
               for seg in segs[1:]]
    try:
        for thread in threads:
            thread.start()
        segs[0].run(backend_factory, options, every, t0, cancel, exposure, report, finished)
        for thread in threads:
            while thread.is_alive():
                thread.join(0.2)
                report()
    except BaseException:
        cancel.set()  # e.g. Ctrl-C while waiting: the segments stop at their next frame
        for thread in threads:
            thread.join()
        for seg in segs:
            seg.hooks.close()
        raise
    finally:
        for seg in segs[1:]:
            if seg.spool is not None:
                seg.spool.close()
    if isinstance(segs[0].error, (KeyboardInterrupt, SystemExit)):
        for seg in segs:
            seg.hooks.close()
        raise segs[0].error
    if any(isinstance(seg.error, RestartFlipped) for seg in segs):  # canonical facing
        for seg in segs:
            seg.hooks.close()
        raise RestartFlipped
    timing = {"segment_wall_s": [seg.wall_s for seg in segs],
              "segment_first_frame_s": [seg.first_frame_s for seg in segs]}
    reason = next((f"segment {seg.number + 1}: {type(seg.error).__name__}: {seg.error}"
                   for seg in segs if seg.error is not None
                   and not isinstance(seg.error, Cancelled)), None)
    reason = reason or _decode_problem(segs)
    head, seams, parts = segs[0].found, [], [Part(segs[0].hooks, 0, 0)]
    if reason is None and head is not None:
        try:
            for seg in segs[1:]:
                seam, offset = join(head, cast(PosePass, seg.found), reader.info.width,
                                    reader.info.height)
                seams.append(seam)
                parts.append(Part(seg.hooks, offset, seam.frame_index))
                if spool is not None and seg.spool is not None and seg.spool.failed is None:
                    spool.adopt(spool.part_path(seg.number), seg.spool.entries(), offset)
        except SeamError as err:
            reason = str(err)
    worst = max((s.disagreement for s in seams), default=0.0)
    if reason is None and worst > SEAM_MAX_DISAGREEMENT:
        reason = (f"the segments' landmarks differ at a seam (median {worst:.3f} body "
                  "heights): they may have followed different people")
    if reason is None and head is not None:
        last = segs[-1].reader
        decoding = {"stopped_early": last.decode_stopped_early, "frames_skipped": 0,
                    "first_error_s": None}
        segments = {"jobs": len(plans), "overlap_s": OVERLAP_S,
                    "seams": [s.to_dict() for s in seams]} | timing
        extraction = build_extraction(head, reader, segs[0].describe, decoding,
                                      extra_source={"segments": segments,
                                                    "exposure": exposure.result().describe()})
        tracks = extraction.tracks
        reason = subject_crosses_seams(tracks.image, tracks.frame_index, seams,
                                       reader.info.width, reader.info.height)
        if reason is None:
            return _with_tracks(extraction, joined(parts, tracks, reader.path))
    for seg in segs:
        seg.hooks.close()
    return single_pass(reader, backend_factory(options), on_frame, spool,
                       {"jobs": 1, "planned_jobs": len(plans), "fallback": reason})


def _segment_reader(reader: VideoReader, plan: SegmentPlan) -> VideoReader:
    """A reader of one segment's window: ``reader`` with the segment's window and its
    own decode counters, without probing the file again (opening it and decoding a
    frame: 20-40 ms per segment, on the calling thread, before any segment starts)."""
    part = copy.copy(reader)
    part.start_s, part.end_s, part.analysis_fps = plan.start_s, plan.end_s, None
    part.frames_decoded, part.decode_errors = 0, 0
    part.decode_stopped_early, part.first_error_s = False, None
    part.decoder_threads = 1  # every core runs a landmarker: ~5 MB less each
    return part


def _decode_problem(segs: list[Segment]) -> str | None:
    if any(seg.reader.decode_errors for seg in segs):
        # After a damaged stretch frame numbers are re-synchronised from times, which
        # only a decode from the start reproduces exactly.
        return "frames failed to decode (a damaged stretch of the file)"
    return None


def _with_tracks(extraction: Extraction, tracks: Any) -> Extraction:
    return Extraction(tracks, extraction.truncated, extraction.max_people,
                      extraction.frames_with_others)


def single_pass(reader: VideoReader, backend: PoseBackend,
                on_frame: ProgressCallback | None = None, spool: CropSpool | None = None,
                segments: dict[str, Any] | None = None, exposure: Exposure | None = None
                ) -> Extraction:
    """One pose pass over ``reader``'s window with the pose hooks; closes ``backend``.

    ``segments``, when given, is recorded as ``tracks.source["segments"]`` (why a split
    pass fell back to this one); ``exposure``: the exposure correction already decided
    (:func:`gaitcheck.pose.extract.extract_tracks`).
    """
    hooks = PassHooks(reader.expected_frames, spool)
    # Closed on every path, at once: a landmarker left to the garbage collector is closed
    # by MediaPipe's __del__ during interpreter shutdown, after the modules it calls are
    # torn down; that close fails, its worker thread is never shut down and the process
    # can hang at exit (issue 13). Nothing may run between creating it and this ``try``.
    beside: HookThread | None = None
    try:
        # Decoding and the hooks overlap the landmarker (gaitcheck.pose.pipelined).
        beside = HookThread(hooks)
        extraction = extract_tracks(reader, backend, on_frame=on_frame, on_pose=beside,
                                    read_ahead=READ_AHEAD, exposure=exposure)
        beside.drain()
    except BaseException:
        hooks.close()
        raise
    finally:
        if beside is not None:
            beside.close()
        backend.close()
    if segments is not None:
        extraction.tracks.source["segments"] = segments
    return _with_tracks(extraction, hooks.apply(extraction.tracks, reader.path))

"""One segment of a split pose pass: where it reads (:class:`SegmentPlan`, planned by
:func:`gaitcheck.pose.segments.plan_segments`), its frames (:func:`segment_frames`) and
its pass on a thread of its own (:class:`Segment`): a decoder that seeks, a landmarker,
the pose hooks beside it, and, for the first segment, the clip's exposure decision and
a restart on flipped frames when the subject faces the other way
(:mod:`gaitcheck.pose.canonical`). :func:`gaitcheck.pose.segments.extract_in_segments`
runs the segments and stitches them.
"""

from __future__ import annotations

import contextlib
import math
import threading
import time
from collections.abc import Callable, Generator, Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from gaitcheck.pose.backend import PoseBackend
from gaitcheck.pose.canonical import RestartFlipped
from gaitcheck.pose.extract import PosePass, run_pose
from gaitcheck.pose.heap import release_freed_memory
from gaitcheck.pose.hooks import PassHooks
from gaitcheck.pose.pipelined import HookThread
from gaitcheck.video.exposure import Exposure, peek_exposure
from gaitcheck.video.readahead import READ_AHEAD, read_ahead
from gaitcheck.video.reader import Frame, VideoReader

if TYPE_CHECKING:
    from gaitcheck.report.cropspool import CropSpool

BackendFactory = Callable[[Any], PoseBackend]
#: Progress is reported every this many frames of the first segment.
PROGRESS_EVERY = 10


@dataclass(frozen=True)
class SegmentPlan:
    """One segment: the reader window (file time, s) and where its decoder seeks.

    ``start_s`` / ``end_s`` of None mean the start / end of the file; ``seek_s`` None
    means decode from the start (the first segment, like a single pass).
    """

    start_s: float | None
    end_s: float | None
    seek_s: float | None


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


class Cancelled(Exception):
    """Another segment failed: this one stops at its next frame."""


@dataclass
class Segment:
    """One segment's pass, run by :meth:`run` on its own thread (the first on the
    calling thread)."""

    number: int
    reader: VideoReader
    plan: SegmentPlan
    hooks: PassHooks
    spool: CropSpool | None
    #: Frames of the whole window (the scene-line sampler's spacing).
    total: int | None = None
    done: int = 0
    found: PosePass | None = None
    describe: dict[str, Any] = field(default_factory=dict)
    error: BaseException | None = None
    #: Seconds from the dispatch to the first frame analysed and to the end.
    first_frame_s: float | None = None
    wall_s: float | None = None

    def run(self, factory: BackendFactory, options: Any, every: int, t0: float,
            cancel: threading.Event, exposure: Future[Exposure],
            report: Callable[[], None] | None = None,
            finished: Callable[[], None] | None = None) -> None:
        """The segment's pass. The first segment decides the exposure correction from
        its first frames (the clip's, as a single pass does) and sets ``exposure``; the
        others wait for it before their first frame. ``finished`` is called once the
        landmarker and decoder are released."""
        def on_frame(done: int) -> None:
            if self.first_frame_s is None:
                self.first_frame_s = round(time.perf_counter() - t0, 3)
            self.done = done
            if cancel.is_set():
                raise Cancelled
            if report is not None and done % PROGRESS_EVERY == 0:
                report()

        try:
            spare: Any = None
            for attempt in (0, 1):
                try:
                    self._pass(factory, options, every, cancel, exposure, on_frame,
                               attempt, spare)
                    break
                except RestartFlipped as err:
                    # Canonical facing: the first segment restarts on its own, with the
                    # spare landmarker already run on its flipped frames
                    # (gaitcheck.pose.spare); a later one that waited for the decision
                    # never sees an unflipped frame, else the whole pass restarts.
                    resumable = hasattr(factory, "resumed")
                    if self.number != 0 or attempt or not resumable:
                        if err.spare is not None:
                            err.spare.drop(wait=True)
                        raise
                    spare = err.spare
                    self.hooks.close()
                    self.hooks = PassHooks(self.total, self.spool, by_index=True)
                    if self.spool is not None:
                        self.spool.clear()
            release_freed_memory()
            if self.spool is not None:
                self.spool.finish()
        except BaseException as err:  # the caller decides (fall back, or re-raise)
            self.error = err
            cancel.set()
        finally:
            decision = getattr(factory, "decision", None)
            if self.number == 0 and decision is not None:
                decision.close_window()  # later segments stop waiting for its frames
        self.wall_s = round(time.perf_counter() - t0, 3)
        if finished is not None:
            with contextlib.suppress(Exception):
                finished()

    def _pass(self, factory: BackendFactory, options: Any, every: int,
              cancel: threading.Event, exposure: Future[Exposure],
              on_frame: Callable[[int], None], attempt: int, spare: Any) -> None:
        """One try of the segment's pass (a second one after :class:`RestartFlipped`
        resumes ``spare``, the exposure decided by the first)."""
        # Decoding starts now, on a thread of its own: a later segment's seek overlaps
        # its model load (gaitcheck.video.readahead).
        source = read_ahead(segment_frames(self.reader, self.plan), READ_AHEAD)
        try:
            backend = factory(options) if attempt == 0 else factory.resumed(  # type: ignore[attr-defined]
                spare, options)
        except BaseException:
            source.close()
            raise
        hooks: HookThread | None = None
        try:
            frames: Iterator[Frame] = source
            if self.number == 0 and attempt == 0:
                try:
                    frames, decided = peek_exposure(frames)
                except BaseException as err:
                    exposure.set_exception(err)
                    raise
                exposure.set_result(decided)
            correction = wait_exposure(exposure, cancel)
            hooks = HookThread(self.hooks)  # beside the landmarker (pose.pipelined)
            self.found = run_pose(frames, correction.wrap(backend), every, on_frame,
                                  hooks, sample_by_index=True)
            hooks.drain()
            self.describe = backend.describe()
        finally:
            if hooks is not None:
                hooks.close()
            backend.close()
            source.close()  # the decoder too, now


def wait_exposure(exposure: Future[Exposure], cancel: threading.Event) -> Exposure:
    """The first segment's exposure decision (raises :class:`Cancelled` if another
    segment failed meanwhile)."""
    while True:
        with contextlib.suppress(TimeoutError):
            return exposure.result(timeout=0.05)
        if cancel.is_set():
            raise Cancelled

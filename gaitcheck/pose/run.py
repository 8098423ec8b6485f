"""The pose pass of one analysis: in one piece, or split into time segments.

:func:`pose_pass` chooses between :func:`gaitcheck.pose.segments.single_pass` and
:func:`gaitcheck.pose.segments.extract_in_segments`, reports progress, and starts
:class:`WarmUp` on a spare core: the modules the analysis needs afterwards are imported
while pose runs, not after it. A single pass leaves a core idle from its first frame on;
a split pass keeps every core busy, so the warm-up starts when the first segment
finishes (planned to end :data:`~gaitcheck.pose.segments.WARM_UP_FRAMES` frames early).
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib
import sys
import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from gaitcheck.pose.backend import PoseBackend
from gaitcheck.pose.canonical import FacingDecision, RestartFlipped
from gaitcheck.pose.extract import Extraction
from gaitcheck.pose.heap import limit_malloc_arenas
from gaitcheck.pose.segments import (
    WARM_UP_FRAMES,
    SegmentPlan,
    default_jobs,
    extract_in_segments,
    plan_segments,
    single_pass,
)
from gaitcheck.pose.spare import Spare
from gaitcheck.pose.subject import fill_gaps, gait_frames, second_look
from gaitcheck.video.exposure import Exposure
from gaitcheck.video.reader import VideoReader

if TYPE_CHECKING:
    from gaitcheck.report.cropspool import CropSpool


class Progress:
    """Receives progress; the CLI subclasses it with a progress bar."""

    def start(self, total: int | None) -> None:
        """Pose extraction starts; ``total`` frames are expected (``None`` if unknown)."""

    def update(self, done: int) -> None:
        """``done`` frames have been processed."""

    def stop(self) -> None:
        """Pose extraction finished or failed."""


class WarmUp:
    """Imports ``modules`` and then calls ``then`` on a daemon thread.

    MediaPipe releases the GIL while it runs, and a single pass leaves a core idle, so
    importing what runs after pose (scipy alone takes 0.7 s) costs the run nothing. The
    caller :meth:`join` s the thread before importing any of it itself: two threads
    importing overlapping modules in different orders can trip the import system's
    deadlock detection.
    """

    def __init__(self, modules: Sequence[str], then: Callable[[], Any] | None = None) -> None:
        self.modules, self.then = tuple(modules), then
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def start(self) -> None:
        """Start the thread (once; later calls, from any thread, do nothing)."""
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="gaitcheck-warm-up",
                                                daemon=True)
                self._thread.start()

    def _run(self) -> None:
        with contextlib.suppress(Exception):  # the main thread's import will report it
            for name in self.modules:
                importlib.import_module(name)
            if self.then is not None:
                self.then()

    def join(self) -> None:
        """Wait for the thread, if it was started."""
        if self._thread is not None:
            self._thread.join()


def pose_pass(reader: VideoReader, options: Any, progress: Progress,
              factory: Callable[[Any], PoseBackend], jobs: int | None = None,
              spool: CropSpool | None = None, warm_up: WarmUp | None = None) -> Extraction:
    """Pose on every analysed frame of ``reader``; the tracks carry the scene motion and
    scene lines (:mod:`gaitcheck.pose.hooks`).

    Parameters
    ----------
    reader : VideoReader
        The video and its analysis window.
    options : AnalyzeOptions
        Given to ``factory``.
    progress : Progress
        Progress receiver.
    factory : callable
        Builds a pose backend from ``options`` (one per segment).
    jobs : int, optional
        Time segments (:func:`gaitcheck.pose.segments.plan_segments`); None:
        :func:`gaitcheck.pose.segments.default_jobs`.
    spool : CropSpool, optional
        Receives the foot crops of the key frames.
    warm_up : WarmUp, optional
        Started once the first frames are analysed (no import races MediaPipe's), or in
        a split pass when the first segment finishes; joined before returning.
    """
    limit_malloc_arenas()  # before any landmarker or decoder starts its threads
    plans = plan_segments(reader, default_jobs() if jobs is None else jobs,
                          -WARM_UP_FRAMES if warm_up is not None else 0)

    # Canonical facing (gaitcheck.pose.canonical): the first frames decide; a subject
    # facing the other way restarts the pass on flipped frames.
    decision: FacingDecision | None = getattr(factory, "decision", None)

    def update(done: int) -> None:
        # Once the facing is decided: until then the spare core may run the flipped
        # landmarker (gaitcheck.pose.spare), which the restart would wait for.
        if warm_up is not None and (decision is None or decision.flip is not None):
            warm_up.start()
        progress.update(done)

    first_free = warm_up.start if warm_up is not None else None
    if decision is not None:  # frame times are the file's over the slow-motion factor
        decision.start_ms = 1000.0 * (reader.start_s or 0.0) / reader.info.slowmo
    extraction = _one_pass(reader, options, progress, factory, plans, spool, update,
                           first_free)
    if decision is not None:
        decision.settle()
        first = decision.describe()
        # The one-person pass may have followed a bystander seen first, facing the
        # camera: the second look, which tracks two, decides again.
        decision.reopen()
    again = _second_look(extraction, reader, options, progress, factory, plans, update,
                         first_free)
    if decision is not None:
        decision.settle()
        kept_second = again is not extraction and again.tracks.source[
            "subject_selection"]["second_look"]["kept"] == "second"
        again.tracks.source["canonical_facing"] = decision.describe() if kept_second \
            else first
    extraction = again
    if spool is not None:
        spool.finish()
    if warm_up is not None:
        # Done long ago on a real video; after a very short pass this waits rather than
        # importing the same modules from two threads at once.
        warm_up.join()
    return extraction


def _one_pass(reader: VideoReader, options: Any, progress: Progress,
              factory: Callable[[Any], PoseBackend], plans: list[SegmentPlan],
              spool: CropSpool | None, update: Callable[[int], None],
              first_free: Callable[[], None] | None = None) -> Extraction:
    """One pose pass, restarted from its first frame on flipped frames when its first
    frames show a subject facing the other way (:mod:`gaitcheck.pose.canonical`)."""
    try:
        return _pass(reader, options, progress, factory, plans, spool, update, first_free)
    except RestartFlipped as err:
        if spool is not None:
            spool.clear()  # the crops of the frames seen before the decision
        return _pass(reader, options, progress, factory, plans, spool, update, first_free,
                     err.spare, getattr(err, "exposure", None))


def _pass(reader: VideoReader, options: Any, progress: Progress,
          factory: Callable[[Any], PoseBackend], plans: list[SegmentPlan],
          spool: CropSpool | None, update: Callable[[int], None],
          first_free: Callable[[], None] | None = None, spare: Spare | None = None,
          exposure: Exposure | None = None) -> Extraction:
    """One pose pass: split over ``plans`` (the warm-up starts through ``first_free``
    when the first segment ends: every core runs a landmarker until then), or single
    (``update`` starts it at the first frame). ``spare``: a restart's landmarker already
    run on the first flipped frames (:mod:`gaitcheck.pose.spare`), and ``exposure`` the
    exposure correction the stopped pass decided, for a single pass."""
    resumed = getattr(factory, "resumed", None)
    if plans or resumed is None:
        if spare is not None:
            spare.drop(wait=True)
        spare = None
    if plans:
        progress.start(reader.expected_frames)
        try:
            return extract_in_segments(reader, plans, factory, options, progress.update,
                                       spool, first_free)
        finally:
            progress.stop()
    backend = factory(options) if resumed is None or spare is None else resumed(spare, options)
    try:  # see single_pass: nothing may run between creating it and a ``try``
        progress.start(reader.expected_frames)
    except BaseException:
        backend.close()
        raise
    try:
        return single_pass(reader, backend, update, spool, exposure=exposure)
    finally:
        progress.stop()


def _second_look(extraction: Extraction, reader: VideoReader, options: Any,
                 progress: Progress, factory: Callable[[Any], PoseBackend],
                 plans: list[SegmentPlan], update: Callable[[int], None],
                 first_free: Callable[[], None] | None = None) -> Extraction:
    """Redo a one-person pass tracking two people when it may have followed the wrong
    person (:func:`gaitcheck.pose.subject.second_look`); keep the pass that found more
    of a walker or runner, its short gaps filled from the other pass where that one
    found the same person (:func:`gaitcheck.pose.subject.fill_gaps`). Costs nothing when
    one person walks or runs alone in view.

    The crop spool is not given to the second pass: it holds pixels of the frames, not
    of a person, so the first pass's crops stay valid and key frames it lacks are read
    from the video.
    """
    first = extraction.tracks.source.get("subject_selection") or {}
    why = second_look(first) if getattr(options, "max_people", 1) == 1 else None
    if why is None or not dataclasses.is_dataclass(options):
        return extraction
    again = _one_pass(reader, dataclasses.replace(options, max_people=2), progress, factory,
                      plans, None, update, first_free)
    second = again.tracks.source.get("subject_selection") or {}
    keep, other = ((again, extraction) if gait_frames(second) > gait_frames(first)
                   else (extraction, again))
    tracks = keep.tracks
    filled = fill_gaps(tracks.image, tracks.world, other.tracks.image, other.tracks.world,
                       tracks.time_s, reader.info.width, reader.info.height) if (
        np.array_equal(tracks.frame_index, other.tracks.frame_index)) else []
    if filled:
        tracks.source["subject_selection"]["subject"]["frames"] += len(filled)
    tracks.source["subject_selection"]["second_look"] = {
        "reason": why, "max_people": 2, "kept": "second" if keep is again else "first",
        "frames_filled_from_other_pass": filled,
        "first_pass": {k: first.get(k) for k in ("subject", "person_tracklets",
                                                 "seconds_on_other_people")},
        "second_pass_max_people_in_frame": second.get("max_people_in_frame"),
        "second_pass_frames_with_other_people": second.get("frames_with_other_people")}
    return keep


_MEDIAPIPE_LOCK = threading.Lock()


def import_mediapipe_quietly() -> None:
    """Import MediaPipe (:func:`gaitcheck.pose.lazy_matplotlib.import_mediapipe`) without
    the ``sounddevice`` module its audio tasks import at module level.

    sounddevice looks for the PortAudio library with ``ctypes.util.find_library``, which
    runs ``ldconfig`` in a subprocess: 0.04-0.1 s before the first landmarker can load,
    for audio gaitcheck never records. Its import is made to fail (MediaPipe catches
    that; only its audio recorder would then raise); a later ``import sounddevice``
    works as usual.
    """
    if "mediapipe.tasks.python.vision" in sys.modules:
        return
    from gaitcheck.pose.lazy_matplotlib import import_mediapipe

    with _MEDIAPIPE_LOCK:
        blocked = "sounddevice" not in sys.modules
        if blocked:
            sys.modules["sounddevice"] = None  # type: ignore[assignment]
        try:
            import_mediapipe()
        finally:
            if blocked and "sounddevice" in sys.modules and sys.modules["sounddevice"] is None:
                del sys.modules["sounddevice"]

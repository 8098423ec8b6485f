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
import importlib
import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from gaitcheck.pose.backend import PoseBackend
from gaitcheck.pose.extract import Extraction
from gaitcheck.pose.segments import (
    WARM_UP_FRAMES,
    default_jobs,
    extract_in_segments,
    plan_segments,
    single_pass,
)
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
    plans = plan_segments(reader, default_jobs() if jobs is None else jobs,
                          -WARM_UP_FRAMES if warm_up is not None else 0)

    def update(done: int) -> None:
        if warm_up is not None:
            warm_up.start()
        progress.update(done)

    if plans:
        progress.start(reader.expected_frames)
        try:
            extraction = extract_in_segments(
                reader, plans, factory, options, progress.update, spool,
                warm_up.start if warm_up is not None else None)
        finally:
            progress.stop()
    else:
        backend = factory(options)
        try:  # see single_pass: nothing may run between creating it and a ``try``
            progress.start(reader.expected_frames)
        except BaseException:
            backend.close()
            raise
        try:
            extraction = single_pass(reader, backend, update, spool)
        finally:
            progress.stop()
    if spool is not None:
        spool.finish()
    if warm_up is not None:
        # Done long ago on a real video; after a very short pass this waits rather than
        # importing the same modules from two threads at once.
        warm_up.join()
    return extraction

"""A flipped landmarker run ahead on a spare core while the facing is being decided.

When a subject faces the other way than :data:`gaitcheck.pose.canonical.CANONICAL`, the
pose pass restarts from the first frame on flipped frames with a fresh landmarker
(:class:`gaitcheck.pose.canonical.RestartFlipped`). Done plainly, the restart loads a
model and runs the frames seen before the decision a second time, on the critical path
(+0.57 CPU-s, +9 %, on the 12 s clip's mirror). As soon as the first side-view frame
leans that way, :class:`Spare` loads that fresh landmarker on a thread of its own and
runs it on the flipped frames from the first one, while the decision's own frames are
still being analysed: by the decision it has (nearly) caught up. The restarted pass
then takes it over through :class:`Resumed`, which gives the results it already has,
frame by frame, and runs it on the rest. It is exactly the restart's landmarker: a new
one, shown the same flipped frames with the same timestamps in the same order, so the
landmarks are the same.

When the lean was wrong (the decision is not to flip) the spare is dropped, closed on
its own thread. A spare that falls more than :data:`MAX_BACKLOG` frames behind is
dropped too (each queued frame holds a copy of its pixels) and the restart runs plainly.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from typing import Any

import numpy as np

from gaitcheck.pose.backend import PoseBackend, PoseCandidate

#: Frames the spare may lag behind the pass at most (each a flipped copy: 2.8 MB of 720p).
MAX_BACKLOG = 12

_END = object()


class Spare:
    """A landmarker built by ``make`` on a thread of its own, fed frames by :meth:`feed`.

    Parameters
    ----------
    make : callable
        Builds the landmarker (a fresh one, as the restart would).
    shared : object, optional
        The pass's own landmarker: a factory that returns that same object (a test's
        scripted backend) gives no spare (two threads would share its state).
    """

    def __init__(self, make: Callable[[], PoseBackend], shared: object = None) -> None:
        self._make, self._shared = make, shared
        self._box: queue.Queue[Any] = queue.Queue()
        self._fed: list[int] = []  # timestamps given, in order
        self.results: list[list[PoseCandidate]] = []
        self.backend: PoseBackend | None = None
        self.error: BaseException | None = None
        self._done = threading.Condition()
        self._dropped = False
        self._thread = threading.Thread(target=self._run, name="gaitcheck-spare", daemon=True)
        self._thread.start()

    @property
    def usable(self) -> bool:
        """Not dropped and not failed (yet)."""
        return not self._dropped and self.error is None

    def feed(self, flipped: np.ndarray, timestamp_ms: int) -> None:
        """Queue one (already flipped) frame; drops the spare when it lags too far."""
        if not self.usable:
            return
        if len(self._fed) - len(self.results) >= MAX_BACKLOG:
            self.drop()
            return
        self._fed.append(timestamp_ms)
        self._box.put((flipped, timestamp_ms))

    def _run(self) -> None:
        backend = None
        try:
            made = self._make()
            if made is self._shared:
                raise RuntimeError("the factory returned the pass's own backend")
            backend = self.backend = made
            while True:
                item = self._box.get()
                if item is _END or self._dropped:
                    break
                found = backend.detect(*item)
                with self._done:
                    self.results.append(found)
                    self._done.notify_all()
        except BaseException as err:  # the restart then runs plainly
            self.error = err
        finally:
            with self._done:
                self._done.notify_all()
            if self._dropped and backend is not None:
                backend.close()

    def drop(self, wait: bool = False) -> None:
        """Stop and close the landmarker, on its own thread; with ``wait``, return once it
        is closed (a landmarker must not be left to close during interpreter shutdown:
        issue 13's hang)."""
        self._dropped = True
        self._box.put(_END)
        if wait:
            self._thread.join()

    def take(self) -> Resumed | None:
        """The spare as the restarted pass's landmarker, or None when it is not usable
        (then dropped)."""
        if not self.usable:
            self.drop(wait=True)
            return None
        self._box.put(_END)  # the thread ends after the frames already queued
        return Resumed(self)

    def wait_result(self, i: int) -> list[PoseCandidate] | None:
        """The ``i``-th queued frame's result once computed; None if the thread ended
        without it (failed)."""
        with self._done:
            while len(self.results) <= i and self._thread.is_alive():
                self._done.wait(0.05)
        return self.results[i] if i < len(self.results) else None

    def join(self) -> None:
        """Wait for the thread to end."""
        self._thread.join()


class Resumed:
    """:class:`PoseBackend` continuing a :class:`Spare`'s landmarker: the frames it was
    fed return their results (checked by timestamp), later ones run on it directly."""

    def __init__(self, spare: Spare) -> None:
        self.spare = spare
        self._next = 0

    def detect(self, rgb: np.ndarray, timestamp_ms: int) -> list[PoseCandidate]:
        """See :meth:`PoseBackend.detect` (``rgb`` already flipped)."""
        spare = self.spare
        if self._next < len(spare._fed):
            if spare._fed[self._next] != timestamp_ms:
                raise RuntimeError(f"the restarted pass's frame at {timestamp_ms} ms is not "
                                   f"the spare's {spare._fed[self._next]} ms")
            found = spare.wait_result(self._next)
            if found is None:
                raise RuntimeError(f"the spare landmarker failed: {spare.error!r}")
            self._next += 1
            return found
        spare.join()
        if spare.backend is None:
            raise RuntimeError(f"the spare landmarker failed: {spare.error!r}")
        return spare.backend.detect(rgb, timestamp_ms)

    def describe(self) -> dict[str, Any]:
        """The landmarker's provenance."""
        self.spare.join()
        backend = self.spare.backend
        return backend.describe() if backend is not None else {}

    def close(self) -> None:
        """Release the landmarker."""
        self.spare.join()
        if self.spare.backend is not None:
            self.spare.backend.close()

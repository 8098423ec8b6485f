"""The pose hooks on a thread of their own, beside the landmarker.

A pose pass is a chain per frame: decode, landmarker (~13 ms of 720p on MediaPipe's
threads, while the calling thread waits), then the pose hooks (scene motion, scene-line
frames, foot crops: ~1.5 ms). Run in line, one chain keeps less than one core busy
(measured on the 2-core machine: ~21 ms of wall time per frame for ~16 ms of CPU), and
the two segments of a split pass left about a quarter of both cores idle. With the
decoding read ahead (:mod:`gaitcheck.video.readahead`) and the hooks of the previous
frames run by :class:`HookThread` while the landmarker works on the next one, the
landmarker sees exactly the same frames and timestamps in the same order, and the hooks
see every frame in order, so the landmarks and every hook's output are unchanged.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Callable, Sequence
from typing import Any

from gaitcheck.video.readahead import put_unless

#: Frames waiting for the hook thread at most, besides the one being hooked: each holds
#: its decoded frame (2.8 MB of 720p) until hooked, and the hooks (~1.5 ms) never fall
#: behind the landmarker (~13 ms).
HOOK_BACKLOG = 1

_END = object()


class HookThread:
    """A pose hook, ``hook(frame, found)``, run in call order on a thread of its own.

    A call returns once the frame is queued (waiting while :data:`HOOK_BACKLOG` frames
    are queued). :meth:`drain` waits until every queued call has run, then raises the
    first exception the hook raised; :meth:`close` stops the thread and drops what is
    still queued. An exception in the hook stops the thread, and the next call raises it.
    """

    def __init__(self, hook: Callable[[Any, Sequence[Any]], None],
                 backlog: int = HOOK_BACKLOG, name: str = "gaitcheck-hooks") -> None:
        self.hook = hook
        self._box: queue.Queue[Any] = queue.Queue(maxsize=max(1, backlog))
        self._stop = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            item = self._box.get()
            if item is _END or self._stop.is_set():
                return
            try:
                self.hook(*item)
            except BaseException as err:  # raised on the caller's thread
                self._error = err
                self._stop.set()
                return
            # Waiting on the queue must not keep the last frame (2.8 MB at 720p) alive.
            item = None

    def __call__(self, frame: Any, found: Sequence[Any]) -> None:
        """Queue one frame and the people found in it."""
        self._raise()
        if not put_unless(self._box, (frame, found), self._stop):
            self._raise()

    def drain(self) -> None:
        """Run every queued call, end the thread, and raise the hook's first error."""
        if self._thread.is_alive() and not self._stop.is_set():
            put_unless(self._box, _END, self._stop)
        self._thread.join()
        self._raise()

    def close(self) -> None:
        """End the thread now, dropping queued calls (idempotent)."""
        self._stop.set()
        while self._thread.is_alive():
            with contextlib.suppress(queue.Empty):
                self._box.get_nowait()
            with contextlib.suppress(queue.Full):
                self._box.put_nowait(_END)
            self._thread.join(0.01)

    def _raise(self) -> None:
        if self._error is not None:
            raise self._error

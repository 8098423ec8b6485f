"""Decode the next frames on a thread of their own while the current one is analysed.

A pose pass is a chain per frame: decode the frame (FFmpeg, then the colour conversion:
~3 ms for 720p), run the landmarker on it (~13 ms on MediaPipe's threads, while the
calling thread waits), then the pose hooks. Run in line, one chain keeps less than one
core busy. :func:`read_ahead` moves the decoding off the chain: the frames, their order
and their content are those of the wrapped iterator (OpenCV releases the GIL while it
decodes and converts). See :attr:`gaitcheck.video.reader.VideoReader.read_ahead`.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Iterator
from typing import Any

#: Frames decoded ahead of the consumer at most, besides the one being decoded: that one
#: already hides the decoding (~3 ms) behind the landmarker (~13 ms), and each 720p RGB
#: frame held is 2.8 MB of resident memory (a depth of 2 measured +5 MB of peak RSS on a
#: 2-segment pass).
READ_AHEAD = 1

_END = object()


class ReadAhead:
    """The items of ``frames``, produced on a thread of their own up to ``depth`` ahead.

    Decoding starts at once (a segment's seek then overlaps its model load). The
    producer runs ``frames`` to its end; an exception it raises (such as the reader's
    "no decodable frames" after the last frame) is raised by ``next`` at the same point
    of the sequence. :meth:`close` (also on garbage collection) stops the producer at
    its next item and closes ``frames`` on the producer's own thread (a generator cannot
    be closed from another thread while it runs): the decoder is released before
    :meth:`close` returns.
    """

    def __init__(self, frames: Iterator[Any], depth: int = READ_AHEAD,
                 name: str = "gaitcheck-decode") -> None:
        self._box: queue.Queue[Any] = queue.Queue(maxsize=max(1, depth))
        self._stop = threading.Event()
        self._done = False
        # The thread holds the queue and the stop flag, not this object: one dropped
        # without close() is collected, and its __del__ stops the thread.
        self._thread = threading.Thread(target=_produce, args=(frames, self._box, self._stop),
                                        name=name, daemon=True)
        self._thread.start()

    def __iter__(self) -> ReadAhead:
        return self

    def __next__(self) -> Any:
        if self._done:
            raise StopIteration
        item = self._box.get()
        if type(item) is tuple and len(item) == 2 and item[0] is _END:
            self.close()
            if item[1] is not None:
                raise item[1]
            raise StopIteration
        return item

    def close(self) -> None:
        """Stop the producer and release what it holds (idempotent)."""
        self._done = True
        self._stop.set()
        while self._thread.is_alive():  # a producer waiting for room: make some, wait
            with contextlib.suppress(queue.Empty):
                self._box.get_nowait()
            self._thread.join(0.01)

    def __del__(self) -> None:
        with contextlib.suppress(Exception):
            self.close()


def _produce(frames: Iterator[Any], box: queue.Queue[Any], stop: threading.Event) -> None:
    """The producer thread of :class:`ReadAhead`."""
    try:
        for item in frames:
            if not put_unless(box, item, stop):
                return
        put_unless(box, (_END, None), stop)
    except BaseException as err:  # given to the consumer, in sequence
        put_unless(box, (_END, err), stop)
    finally:
        close = getattr(frames, "close", None)
        if close is not None:
            with contextlib.suppress(Exception):
                close()


def read_ahead(frames: Iterator[Any], depth: int = READ_AHEAD,
               name: str = "gaitcheck-decode") -> ReadAhead:
    """:class:`ReadAhead` of ``frames`` (starts decoding now)."""
    return ReadAhead(frames, depth, name)


def put_unless(box: queue.Queue[Any], item: Any, stop: threading.Event) -> bool:
    """Put ``item`` into ``box``, waiting for room until ``stop`` is set (then False)."""
    while not stop.is_set():
        with contextlib.suppress(queue.Full):
            box.put(item, timeout=0.05)
            return True
    return False

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
from collections.abc import Generator, Iterator
from typing import Any

#: Frames decoded ahead of the consumer at most (besides the one being decoded): a 720p
#: RGB frame is 2.8 MB, and one frame ahead already hides the decode behind the
#: landmarker; the second absorbs the odd slow frame (a key frame, a seek).
READ_AHEAD = 2

_END = object()


def read_ahead(frames: Iterator[Any], depth: int = READ_AHEAD,
               name: str = "gaitcheck-decode") -> Generator[Any, None, None]:
    """The items of ``frames``, produced on a thread of their own up to ``depth`` ahead.

    The producer runs ``frames`` to its end; an exception it raises (such as the reader's
    "no decodable frames" after the last frame) is raised here at the same point of the
    sequence. Closing this generator (or leaving it by an exception) stops the producer
    at its next item and closes ``frames`` on the producer's own thread (a generator
    cannot be closed from another thread while it runs): the decoder is released before
    :meth:`close` returns.
    """
    box: queue.Queue[Any] = queue.Queue(maxsize=max(1, depth))
    stop = threading.Event()

    def produce() -> None:
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

    thread = threading.Thread(target=produce, name=name, daemon=True)
    thread.start()
    try:
        while True:
            item = box.get()
            if type(item) is tuple and len(item) == 2 and item[0] is _END:
                if item[1] is not None:
                    raise item[1]
                return
            yield item
    finally:
        stop.set()
        while thread.is_alive():  # a producer waiting for room: make some, then wait
            with contextlib.suppress(queue.Empty):
                box.get_nowait()
            thread.join(0.01)


def put_unless(box: queue.Queue[Any], item: Any, stop: threading.Event) -> bool:
    """Put ``item`` into ``box``, waiting for room until ``stop`` is set (then False)."""
    while not stop.is_set():
        with contextlib.suppress(queue.Full):
            box.put(item, timeout=0.05)
            return True
    return False

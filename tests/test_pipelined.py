"""The pose loop's decoding and hooks on threads of their own: same frames, same order,
errors where they happened, nothing left running (gaitcheck.video.readahead,
gaitcheck.pose.pipelined)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from gaitcheck.errors import InputError
from gaitcheck.pose.pipelined import HookThread
from gaitcheck.pose.segments import SegmentPlan, segment_frames
from gaitcheck.video.readahead import read_ahead
from gaitcheck.video.reader import VideoReader
from helpers import make_video


@pytest.fixture(scope="module")
def ffmpeg() -> str:
    imageio_ffmpeg = pytest.importorskip("imageio_ffmpeg")
    return imageio_ffmpeg.get_ffmpeg_exe()


def _decoders() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name == "gaitcheck-decode"]


def test_read_ahead_gives_every_item_in_order_then_the_producers_error() -> None:
    def items() -> Iterator[int]:
        yield from range(7)
        raise InputError("no more")

    got: list[int] = []
    with pytest.raises(InputError, match="no more"):
        for item in read_ahead(items(), depth=2):
            got.append(item)
    assert got == list(range(7))
    time.sleep(0.05)
    assert _decoders() == []


def test_closing_read_ahead_closes_the_source_on_its_own_thread_before_returning() -> None:
    closed: list[str] = []

    def items() -> Iterator[int]:
        try:
            yield from range(1000)
        finally:
            closed.append(threading.current_thread().name)

    frames = read_ahead(items(), depth=3)
    assert [next(frames) for _ in range(5)] == [0, 1, 2, 3, 4]
    frames.close()  # the producer is blocked on a full queue: it must still stop
    assert closed == ["gaitcheck-decode"]
    assert _decoders() == []


def test_reading_ahead_decodes_the_same_frames_as_in_line(ffmpeg: str, tmp_path: Path) -> None:
    clip = make_video(ffmpeg, tmp_path / "clip.mp4", "-g", "10", seconds=3.0)
    in_line = list(VideoReader(clip).frames())
    reader = VideoReader(clip)
    reader.read_ahead = 2
    ahead = list(reader.frames())
    assert [(f.index, f.time_s) for f in ahead] == [(f.index, f.time_s) for f in in_line]
    assert all(np.array_equal(a.rgb, b.rgb) for a, b in zip(ahead, in_line, strict=True))
    assert reader.frames_decoded == len(in_line) and not reader.decode_stopped_early
    # A segment seeks, decodes ahead, and is closed early: the decoder goes with it.
    part = VideoReader(clip, 1.0, 2.0)
    part.read_ahead = 2
    frames = segment_frames(part, SegmentPlan(1.0, 2.0, 0.5))
    first = next(iter(frames))
    assert (first.index, first.time_s) == (30, in_line[30].time_s)
    frames.close()
    time.sleep(0.05)
    assert _decoders() == []


def test_an_empty_window_is_still_refused_when_reading_ahead(ffmpeg: str,
                                                            tmp_path: Path) -> None:
    clip = make_video(ffmpeg, tmp_path / "clip.mp4", seconds=1.0)
    reader = VideoReader(clip, start_s=5.0)
    reader.read_ahead = 2
    with pytest.raises(InputError, match="no frames in the analysis window"):
        list(reader.frames())


def test_the_hook_thread_sees_every_frame_in_order() -> None:
    seen: list[tuple[int, str]] = []

    def hook(frame: int, found: list[str]) -> None:
        time.sleep(0.001 * (frame % 3))  # uneven work: order must still hold
        seen.append((frame, found[0]))

    hooks = HookThread(hook, backlog=2)
    for i in range(40):
        hooks(i, [f"p{i}"])
    hooks.drain()
    assert seen == [(i, f"p{i}") for i in range(40)]
    assert not hooks._thread.is_alive()


def test_a_failing_hook_is_raised_to_the_pose_loop() -> None:
    def hook(frame: int, found: list[str]) -> None:
        if frame == 3:
            raise OSError("disk full")

    hooks = HookThread(hook)
    with pytest.raises(OSError, match="disk full"):
        for i in range(100):  # a later call raises it ...
            hooks(i, [])
            time.sleep(0.002)
    with pytest.raises(OSError, match="disk full"):
        hooks.drain()  # ... and so does the drain
    hooks.close()


def test_closing_the_hook_thread_drops_what_is_queued() -> None:
    release, ran = threading.Event(), []

    def hook(frame: int, found: list[str]) -> None:
        release.wait(5)
        ran.append(frame)

    hooks = HookThread(hook, backlog=2)
    for i in range(3):  # one running, two queued
        hooks(i, [])
    threading.Timer(0.05, release.set).start()
    hooks.close()
    assert ran == [0]
    assert not hooks._thread.is_alive()

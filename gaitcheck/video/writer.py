"""Write RGB frames to an H.264 mp4 through the ffmpeg binary of ``imageio-ffmpeg``.

Used by the synthesiser (rendered clips) and by the reports (annotated video).

OpenCV's own writer cannot be relied on for H.264 (it depends on how the wheel was
built), so frames are piped as raw RGB to ffmpeg's stdin one at a time: memory stays
flat however long the clip. The output is yuv420p H.264 with the index at the front of
the file (``+faststart``), which every browser plays and can start streaming at once.
By default one encoder thread and fixed settings make the output byte-for-byte
reproducible for a given ffmpeg build. The file appears atomically: ffmpeg writes a
hidden temporary file in the destination folder, which is renamed over ``path`` only
when encoding succeeded; on any error, including one raised by the frame source, it is
deleted.
"""

from __future__ import annotations

import contextlib
import subprocess
import tempfile
from collections.abc import Iterable
from fractions import Fraction
from pathlib import Path

import numpy as np

from gaitcheck.errors import OutputError
from gaitcheck.fsio import atomic_path

__all__ = ["ffmpeg_exe", "write_video"]


def ffmpeg_exe() -> str:
    """Path of the ffmpeg binary bundled with ``imageio-ffmpeg``.

    Raises
    ------
    OutputError
        If ``imageio-ffmpeg`` is not installed.
    """
    try:
        import imageio_ffmpeg
    except ImportError as err:
        raise OutputError("writing videos needs the imageio-ffmpeg package "
                          "(pip install imageio-ffmpeg)") from err
    return imageio_ffmpeg.get_ffmpeg_exe()


def _command(exe: str, width: int, height: int, fps: float, crf: int, out: str,
             threads: int = 1) -> list[str]:
    rate = Fraction(fps).limit_denominator(100_000)
    # One thread, one lookahead thread: the same bytes on every machine. Otherwise x264
    # is still deterministic for a given thread count, which "auto" ties to the CPU.
    x264 = ("threads=1:lookahead-threads=1:" if threads == 1 else "") + \
        "mbtree=1:rc-lookahead=10"
    return [
        exe, "-hide_banner", "-loglevel", "error", "-y",
        "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{width}x{height}", "-r", str(rate),
        "-i", "pipe:0", "-an",
        "-c:v", "libx264", "-preset", "superfast", "-crf", str(int(crf)), "-pix_fmt", "yuv420p",
        "-threads", str(int(threads)),
        # superfast, but with the macroblock tree kept: 30 % faster than veryfast for
        # about 10 % more bytes (the tree is what superfast drops that costs most size).
        "-x264-params", x264,
        # No encoder/creation-time metadata, so the bytes depend on the frames only.
        "-map_metadata", "-1", "-fflags", "+bitexact", "-flags:v", "+bitexact",
        "-movflags", "+faststart", "-f", "mp4", out,
    ]


def write_video(path: Path, frames: Iterable[np.ndarray], fps: float, crf: int = 23,
                threads: int = 1) -> Path:
    """Encode RGB frames as an H.264 (yuv420p) mp4, atomically.

    Parameters
    ----------
    path : Path
        Destination ``.mp4``; its folder must exist. Replaced only on success.
    frames : iterable of numpy.ndarray, shape (H, W, 3), uint8
        RGB frames, all the same size; ``H`` and ``W`` must be even (4:2:0 chroma).
        Consumed lazily, so a generator keeps memory flat for long clips. An exception
        raised by the iterable aborts the encoding and propagates unchanged.
    fps : float
        Frame rate, frames/s (stored as an exact fraction, e.g. 30000/1001); every
        frame lasts ``1 / fps`` seconds.
    crf : int
        x264 constant rate factor: lower is better quality and bigger (18-28 usual).
    threads : int
        Encoder threads; 1 (default) gives byte-identical files on every machine, 0
        lets x264 use every core (faster for large frames, output then depends on the
        core count).

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    ValueError
        If there are no frames, a frame has the wrong shape or dtype, or odd size.
    OutputError
        If ffmpeg is missing or fails, or the file cannot be written.
    """
    path = Path(path)
    if not fps > 0:
        raise ValueError(f"fps must be positive, got {fps}")
    iterator = iter(frames)
    first = next(iterator, None)
    if first is None:
        raise ValueError("write_video needs at least one frame")
    height, width = _check(first, None)
    exe = ffmpeg_exe()
    try:
        with atomic_path(path) as tmp, tempfile.TemporaryFile() as log:
            proc = subprocess.Popen(_command(exe, width, height, fps, crf, str(tmp), threads),
                                    stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=log)
            broken = False
            try:
                frame = first
                while frame is not None:
                    _check(frame, (height, width))
                    try:
                        proc.stdin.write(np.ascontiguousarray(frame).data)
                    except BrokenPipeError:
                        broken = True
                        break
                    frame = next(iterator, None)
            except BaseException:
                # The output is discarded anyway: do not wait for ffmpeg to finish it.
                proc.kill()
                raise
            finally:
                with contextlib.suppress(BrokenPipeError):
                    proc.stdin.close()
                code = proc.wait()
            if code != 0 or broken:
                log.seek(0)
                detail = log.read().decode(errors="replace").strip().splitlines()
                raise OutputError(f"ffmpeg failed writing {path}: "
                                  f"{detail[-1] if detail else f'exit code {code}'}")
    except OSError as err:
        raise OutputError(f"cannot write {path}: {err.strerror or err}") from err
    return path


def _check(frame: np.ndarray, size: tuple[int, int] | None) -> tuple[int, int]:
    if not isinstance(frame, np.ndarray) or frame.dtype != np.uint8 or frame.ndim != 3 \
            or frame.shape[2] != 3:
        raise ValueError("frames must be (H, W, 3) uint8 RGB arrays, got "
                         f"{getattr(frame, 'shape', type(frame))} "
                         f"{getattr(frame, 'dtype', '')}".strip())
    h, w = frame.shape[:2]
    if size is None:
        if h % 2 or w % 2:
            raise ValueError(f"H.264 4:2:0 needs an even frame size, got {w}x{h}")
    elif (h, w) != size:
        raise ValueError(f"frame size changed from {size[1]}x{size[0]} to {w}x{h}")
    return h, w

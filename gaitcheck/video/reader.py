"""Stream frames from a video file with OpenCV.

Frames are decoded one at a time (memory stays flat however long the file is), turned
upright according to the container's rotation metadata, converted to RGB, and stamped
with the presentation time the container stores for each frame, so variable-frame-rate
phone footage keeps its true timing.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from gaitcheck.errors import InputError
from gaitcheck.validation import check_options
from gaitcheck.video._cv import cv2
from gaitcheck.video.container import (
    HEADER_BYTES,
    IMAGE_CODECS,
    avi_header_fps,
    fourcc,
    mp4_boxes,
    still_image_kind,
)
from gaitcheck.video.info import VideoInfo  # re-exported: its home before it moved

SUPPORTED_SUFFIXES = (".mp4", ".mov", ".m4v", ".avi", ".mkv", ".webm")
#: After a frame fails to decode before the declared end (a damaged stretch of the file),
#: decoding is retried for this long (seconds of video) before the rest is given up.
RESUME_WINDOW_S = 2.0
#: Slowest real-time frame rate analysed, frames/s: a running step lasts about 0.3 s, so
#: below this no step holds even one frame and no event can be timed.
MIN_CAPTURE_FPS = 5.0


@dataclass(frozen=True)
class Frame:
    """One decoded frame.

    Attributes
    ----------
    index : int
        Zero-based index of the frame in the file.
    time_s : float
        Real time of the frame in seconds from the start of the file: the container's
        presentation time divided by the slow-motion factor.
    rgb : numpy.ndarray
        Upright image, shape (height, width, 3), uint8, RGB order.
    """

    index: int
    time_s: float
    rgb: np.ndarray


def _rate_text(fps: float) -> str:
    """A frame rate for messages: ``"0.033 frames/s (one frame every 30 s)"``, never "0"."""
    if fps >= 1:
        return f"{fps:.3g} frames/s"
    return f"{fps:.2g} frames/s (one frame every {1 / fps:.3g} s)"


def stride_for(capture_fps: float, analysis_fps: float | None, stride: int = 1) -> int:
    """Frame stride: ``stride``, or with ``analysis_fps`` the largest stride whose rate
    ``capture_fps / stride`` stays at or above ``analysis_fps`` (frames/s, real time).

    An unknown frame rate (NaN) gives stride 1: never guess away frames.
    """
    if analysis_fps is None:
        return max(1, int(stride))
    if not math.isfinite(capture_fps) or capture_fps <= 0:
        return 1
    # 1e-6 tolerance: 240 / 60 is exactly 4 even when the container says 239.99999.
    return max(1, math.floor(capture_fps / analysis_fps + 1e-6))


class VideoReader:
    """Open a video and stream its frames.

    Parameters
    ----------
    path : str or Path
        Video file (mp4, mov, m4v, avi, mkv, webm; anything FFmpeg decodes works).
    start_s, end_s : float, optional
        Analysis window in the file's playback time (what a video player shows), in
        seconds. Frames before ``start_s`` or after ``end_s`` are skipped.
    slowmo : float
        Slow-motion factor (capture fps / playback fps), e.g. 8 for 240 fps footage
        stored at 30 fps. Timestamps are divided by it.
    stride : int
        Deliver every ``stride``-th frame of the window (1 = all). Skipped frames are
        only grabbed (decoded by FFmpeg, as the next frames depend on them, but never
        converted or copied), so a 240 fps clip analysed at stride 4 costs a fraction
        of the full pose time. Timestamps stay the frames' true presentation times.
    analysis_fps : float, optional
        Instead of ``stride``: the stride that brings the real-time frame rate closest
        to this value (frames/s) without going below it (:func:`stride_for`).

    Raises
    ------
    InputError
        Missing file, not a video, corrupt or truncated container, no decodable frame,
        or an invalid window.
    """

    def __init__(
        self,
        path: str | Path,
        start_s: float | None = None,
        end_s: float | None = None,
        slowmo: float = 1.0,
        stride: int = 1,
        analysis_fps: float | None = None,
    ) -> None:
        self.path = Path(path).expanduser()
        if not self.path.exists():
            raise InputError(f"video not found: {self.path}")
        if not self.path.is_file():
            raise InputError(f"not a file: {self.path}")
        if self.path.stat().st_size == 0:
            raise InputError(f"video file is empty (0 bytes): {self.path}")
        # The rules every option obeys (also for the CLI, the API and batch manifests).
        checked = check_options({"start_s": start_s, "end_s": end_s, "slowmo": slowmo,
                                 "stride": stride, "analysis_fps": analysis_fps})
        start_s, end_s, slowmo, stride = (checked[k] for k in ("start_s", "end_s",
                                                               "slowmo", "stride"))
        self.start_s = start_s
        self.end_s = end_s
        self.frames_decoded = 0
        self.decode_stopped_early = False
        #: Frames that failed to decode (or came out of order) inside the file and were
        #: skipped, and the file time (s) of the first of them (None when intact).
        self.decode_errors = 0
        self.first_error_s: float | None = None
        with self.path.open("rb") as handle:
            head = handle.read(HEADER_BYTES)
        kind = still_image_kind(head)
        if kind == "animated GIF":
            raise InputError(f"{self.path.name} is an animated GIF, not a video file: GIF "
                             "keeps too few colours and frames for pose; use the original "
                             "video (or convert it: ffmpeg -i in.gif out.mp4)")
        if kind is not None:
            raise InputError(f"{self.path.name} is a still image ({kind}), not a video")
        avi_fps = avi_header_fps(head)
        if avi_fps == 0.0:
            # AVI stores no frame times: without the header's rate FFmpeg silently
            # assumes 25 fps, and every time and cadence would be off by an unknown factor.
            raise InputError(
                f"{self.path.name}: the AVI header gives no frame rate (0 frames/s) and AVI "
                "files store no frame times, so no event could be timed; rewrite the header "
                f"with the true rate, e.g. ffmpeg -r 30 -i \"{self.path.name}\" -c copy "
                "fixed.avi (30 = the camera's frame rate)")
        self.info = self._probe(slowmo)
        self.analysis_fps = analysis_fps
        self.stride = stride_for(self.info.capture_fps, analysis_fps, stride)

    def check_analysable(self) -> None:
        """Refuse, before any frame is decoded, a window or stride that leaves fewer than
        two frames (by the container's frame count) and video slower than
        :data:`MIN_CAPTURE_FPS` frames per real second: gait analysis needs both. The
        reader itself reads any window.

        Raises
        ------
        InputError
            With what left so few frames (or so low a rate) and what to do.
        """
        expected = self.expected_frames
        if expected is not None and expected < 2 and (
                self.stride > 1 or self.start_s is not None or self.end_s is not None):
            raise InputError(self.few_frames_message(expected))
        rate = self.info.capture_fps / self.stride
        if math.isfinite(rate) and rate < MIN_CAPTURE_FPS:
            raise InputError(self._low_rate_message(rate))

    def _low_rate_message(self, rate: float) -> str:
        info = self.info
        what = f"{self.path.name} plays at {_rate_text(info.fps)}"
        if info.slowmo != 1:
            what += f" (×{info.slowmo:g} slow motion: {_rate_text(info.capture_fps)} real time)"
        if self.stride > 1:
            what += f"; one frame in {self.stride} leaves {_rate_text(rate)}"
        return (f"{what}: gait events need at least {MIN_CAPTURE_FPS:g} frames per real "
                "second (30 or more is usual); a time-lapse or a still-image slideshow "
                "cannot be analysed" + ("; lower --stride or --analysis-fps"
                                        if self.stride > 1 else ""))

    def few_frames_message(self, n: int) -> str:
        """One-line error for an analysis that got ``n`` (< 2) frames: what left so few
        (the window, the stride, or the file itself) and what to do."""
        frames = f"{n} frame{'' if n == 1 else 's'}"
        causes = []
        if self.start_s is not None or self.end_s is not None:
            end = "end" if self.end_s is None else f"{self.end_s:g} s"
            causes.append(f"the window {self.start_s or 0:g} s to {end} (--start/--end)")
        if self.stride > 1:
            causes.append(f"analysing one frame in {self.stride} (--stride/--analysis-fps)")
        if not causes:
            return (f"{self.path.name} holds a single decodable frame: gait analysis needs "
                    "a video (several seconds of running)")
        length = (f" ({self.info.duration_s:.1f} s long)"
                  if math.isfinite(self.info.duration_s) else "")
        return (f"{' with '.join(causes)} leaves {frames} of {self.path.name}{length} to "
                "analyse: gait analysis needs several seconds of running; widen the window "
                "or lower the stride")

    #: FFmpeg decoder threads (0: OpenCV's default, one per core). A segment of a split
    #: pose pass uses 1: every core already runs a landmarker, and each decoder thread
    #: holds frames of its own (gaitcheck.pose.segments).
    decoder_threads = 0

    def _open(self, threads: int | None = None) -> Any:
        threads = self.decoder_threads if threads is None else threads
        params = [cv2.CAP_PROP_N_THREADS, threads] if threads else []
        cap = cv2.VideoCapture(str(self.path), cv2.CAP_FFMPEG, params)
        if not cap.isOpened():
            boxes = mp4_boxes(self.path)
            if boxes[:1] == ["ftyp"] and "mdat" in boxes and "moov" not in boxes:
                # Recorders write the index (moov box) when recording stops; without it
                # neither the codec setup nor the frame positions are known.
                raise InputError(
                    f"cannot read {self.path.name}: the file is truncated (corrupt or "
                    "truncated MP4 without its index, the 'moov' box, which is written "
                    "when a recording stops): no frame can be decoded; copy or export "
                    "the video again")
            raise InputError(
                f"cannot read {self.path.name}: not a video, or the file is corrupt or "
                "truncated"
            )
        return cap

    def _probe(self, slowmo: float) -> VideoInfo:
        # One decoder thread: one frame is decoded, and every thread of a frame-threaded
        # decoder allocates its own buffers (and malloc arena), which stayed resident after
        # the release (measured 8-9 MiB of a 720p H.264 clip; gaitcheck.pose.heap).
        cap = self._open(threads=1)
        try:
            codec = fourcc(cap.get(cv2.CAP_PROP_FOURCC))
            count = cap.get(cv2.CAP_PROP_FRAME_COUNT)
            if codec.lower() in IMAGE_CODECS and not count > 1:
                raise InputError(f"{self.path.name} is a still image, not a video")
            ok, frame = cap.read()
            if not ok or frame is None:
                raise InputError(f"no decodable frames in {self.path.name}")
            fps = float(cap.get(cv2.CAP_PROP_FPS))
            fps = fps if math.isfinite(fps) and 0 < fps < 10000 else float("nan")
            frame_count = int(count) if math.isfinite(count) and 0 < count < 1e9 else -1
            rotation = round(cap.get(cv2.CAP_PROP_ORIENTATION_META)) % 360
        finally:
            cap.release()
        height, width = frame.shape[:2]
        duration = frame_count / fps if frame_count > 0 else float("nan")
        return VideoInfo(
            path=str(self.path.resolve()),
            fps=fps,
            frame_count=frame_count,
            duration_s=duration,
            width=int(width),
            height=int(height),
            rotation=rotation,
            codec=codec,
            slowmo=float(slowmo),
        )

    @property
    def expected_frames(self) -> int | None:
        """Best guess of the number of frames in the analysis window (for progress)."""
        info = self.info
        if info.frame_count <= 0 or not math.isfinite(info.fps):
            return None
        first = math.ceil((self.start_s or 0.0) * info.fps)
        last = info.frame_count if self.end_s is None else min(
            info.frame_count, math.floor(self.end_s * info.fps) + 1)
        return -(-max(last - first, 0) // self.stride)

    #: Frames decoded ahead on a thread of their own (:mod:`gaitcheck.video.readahead`),
    #: 0 = decode in line. A pose pass sets it: the frames are the same, and decoding
    #: then overlaps the landmarker instead of waiting for it.
    read_ahead = 0

    def frames(self, seek_s: float | None = None) -> Iterator[Frame]:
        """Yield every ``stride``-th frame of the analysis window, in order.

        ``seek_s`` (file time, s) first seeks there instead of decoding from the start
        (a time segment of a long video). FFmpeg lands on a frame at or after the key
        frame before it and decodes forward; the frames' times are their true
        presentation times, but their indices are OpenCV's estimate from the nominal
        frame rate (exact for constant-rate video): callers check both
        (:mod:`gaitcheck.pose.segments`). The stride counts from the first frame.

        A frame that fails to decode well before the declared end (a damaged stretch)
        is skipped and decoding resumes after it, for up to :data:`RESUME_WINDOW_S` of
        consecutive failures; frames that then come out of time order (decoded from
        broken references) are skipped too. Both are counted in ``decode_errors``.
        Decoding ends at the end of the file; when that is well before the declared
        end, ``decode_stopped_early`` is set (a truncated file).
        """
        if self.read_ahead > 0:
            from gaitcheck.video.readahead import read_ahead

            return read_ahead(self._decode(seek_s), self.read_ahead)
        return self._decode(seek_s)

    def _decode(self, seek_s: float | None) -> Iterator[Frame]:
        """The generator behind :meth:`frames` (in line)."""
        cap = self._open()
        fps = self.info.fps if math.isfinite(self.info.fps) else 30.0
        declared = self.info.frame_count
        max_failures = max(1, round(RESUME_WINDOW_S * fps))
        last_t = -math.inf
        index = -1
        in_window = 0  # frames of the window seen so far, kept or strided over
        failures = 0
        self.frames_decoded = self.decode_errors = 0
        self.first_error_s = None
        if seek_s is not None and seek_s > 0:
            cap.set(cv2.CAP_PROP_POS_MSEC, 1000.0 * seek_s)
            index = round(cap.get(cv2.CAP_PROP_POS_FRAMES)) - 1  # the frame before the next
        try:
            while True:
                if not cap.grab():
                    # Past the declared end, or too long without a decodable frame: done
                    # (failures with no frame after them are the end of a cut file).
                    if declared <= 0 or index + failures + 1 >= declared or (
                            failures >= max_failures):
                        break
                    failures += 1
                    continue
                for _ in range(failures):  # a damaged stretch, decoding resumed after it
                    self._error(last_t)
                previous, index = index, index + failures + 1
                failures = 0
                t_file = cap.get(cv2.CAP_PROP_POS_MSEC) / 1000.0
                if math.isfinite(t_file) and 0 < t_file <= last_t and self.decode_errors:
                    # After a damaged stretch FFmpeg may output frames decoded from broken
                    # references out of order: their time is not to be trusted.
                    self._error(last_t)
                    continue
                if not math.isfinite(t_file) or t_file <= last_t or (index > 0 and t_file == 0):
                    # No usable presentation time: fall back to the nominal rate.
                    t_file = max(index / fps, last_t + 1e-3)
                elif self.decode_errors:
                    # Damaged packets may yield no frame, or fail without being a frame:
                    # re-sync the frame number with the time (exact at a constant rate).
                    index = max(previous + 1, round(t_file * fps))
                last_t = t_file
                if self.start_s is not None and t_file < self.start_s - 1e-6:
                    continue
                if self.end_s is not None and t_file > self.end_s + 1e-6:
                    break
                in_window += 1
                if (in_window - 1) % self.stride:
                    continue  # grabbed (the decoder needs it) but neither copied nor converted
                ok, bgr = cap.retrieve()
                if not ok or bgr is None:
                    self._error(last_t)
                    continue
                self.frames_decoded += 1
                rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
                # Not held while the generator waits at the yield (read ahead, most of the
                # time): one more frame, 2.8 MB of 720p, per open decoder (issue 17).
                del bgr
                yield Frame(index=index, time_s=t_file / self.info.slowmo, rgb=rgb)
                del rgb  # the consumer's alone while the next frame is decoded
        finally:
            cap.release()
        if self.end_s is None and declared > 0 and index + 1 < declared - max(2, 0.02 * declared):
            self.decode_stopped_early = True
        if self.frames_decoded == 0:
            raise InputError(
                f"no frames in the analysis window of {self.path.name}"
                if self.start_s is not None or self.end_s is not None
                else f"no decodable frames in {self.path.name}"
            )

    def _error(self, last_t: float) -> None:
        """Count one undecodable or out-of-order frame after file time ``last_t`` (s)."""
        self.decode_errors += 1
        if self.first_error_s is None:
            self.first_error_s = max(last_t, 0.0)

    def __repr__(self) -> str:
        return f"VideoReader({str(self.path)!r})"

"""Foot crops collected during the pose pass, so the report's key frames need no second
decode of the video.

Which frames the report shows (initial contacts) is only known once the whole video has
been analysed. Decoding the video a second time to fetch them cost as much as 10 % of the
pose time, so instead every analysed frame leaves a small JPEG of the region around the
subject's feet in a temporary file while pose runs. JPEG encoding runs on a background
thread (OpenCV releases the GIL) and only a bounded backlog of crops is ever held in
memory, so memory stays flat in video length; the file takes about 18 kB per frame of
720p video (about 320 MB for ten minutes at 30 fps) and is deleted on
:meth:`CropSpool.close`.

When the pose pass is split into time segments run by other processes
(:mod:`gaitcheck.pose.segments`), each worker spools into its own file
(:meth:`CropSpool.part_path`, opened with ``path=``) and the main spool adopts those
files with their frame numbers corrected (:meth:`CropSpool.adopt`).

A frame whose crop is missing or does not cover the requested box (the feet were not
found in that frame, or the disk filled up) is simply not served:
:func:`gaitcheck.report.keyframes.extract_keyframes` decodes the video for those.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
from array import array
from collections import deque
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import numpy as np

from gaitcheck.landmarks import LM
from gaitcheck.report.keyframes import foot_box
from gaitcheck.video._cv import cv2

if TYPE_CHECKING:
    from gaitcheck.pose.backend import PoseCandidate
    from gaitcheck.video.reader import Frame

#: JPEG quality of the spooled crops: high, as the key frame is re-encoded once more.
SPOOL_QUALITY = 92
#: Crops waiting for the encoder thread at most; beyond it ``add`` waits.
BACKLOG = 32
_FEET = tuple([LM[f"{side}_{p}"] for p in ("heel", "foot_index", "ankle")]
              for side in ("left", "right"))
#: Extra room around the union of both feet's key-frame boxes, as a fraction of its size:
#: the key frame is placed on cleaned (filtered) landmarks, a few pixels off the raw ones.
_SLACK = 0.15

Box = tuple[int, int, int, int]
#: One stored crop: box in frame pixels, scale, file number, byte offset, byte length.
Entry = tuple[Box, float, int, int, int]


class _Index:
    """The stored crops, one row each in typed columns (~80 bytes a crop).

    A dict of frame → list of entry tuples took ~520 bytes a frame (dict slot, list,
    tuples, boxed ints and floats): 3 MB resident through the pose pass of a 16× clip
    (issue 17). Rows of one frame keep the order they were added in.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()  # the encoder thread and adopt() both add rows
        self.clear()

    def clear(self) -> None:
        with self._lock:
            self.frame, self.box, self.scale = array("q"), array("q"), array("d")
            self.file, self.offset, self.length = array("q"), array("q"), array("q")

    def add(self, frame: int, box: Box, scale: float, file: int, offset: int,
            length: int) -> None:
        with self._lock:
            self.frame.append(frame)
            self.box.extend(box)
            self.scale.append(scale)
            self.file.append(file)
            self.offset.append(offset)
            self.length.append(length)

    def rows(self, frame: int) -> list[Entry]:
        """The crops of ``frame``, in the order they were added."""
        with self._lock:
            at = np.flatnonzero(np.frombuffer(self.frame, np.int64) == frame) if (
                len(self.frame)) else []
            return [self._entry(int(i)) for i in at]

    def grouped(self) -> dict[int, list[Entry]]:
        """Every crop: frame → its crops (in the order they were added)."""
        out: dict[int, list[Entry]] = {}
        with self._lock:
            for i, frame in enumerate(self.frame):
                out.setdefault(frame, []).append(self._entry(i))
        return out

    def _entry(self, i: int) -> Entry:
        box = self.box[4 * i:4 * i + 4]
        return ((box[0], box[1], box[2], box[3]), self.scale[i], self.file[i],
                self.offset[i], self.length[i])


class CropSpool:
    """Per-frame JPEG crops of the region around each detected person's feet.

    Parameters
    ----------
    min_side : int
        Crops are stored downscaled only as far as keeps each foot's key-frame box at
        least this many pixels (the key frame's size), so nothing is lost to the spool.
    path : Path, optional
        Write into this file (a segment worker's part, see :meth:`part_path`), which
        :meth:`close` keeps; by default an anonymous temporary file.
    """

    def __init__(self, min_side: int, path: Path | None = None) -> None:
        self.min_side = min_side
        # Lives as long as the spool; close() (or the with block) deletes it.
        if path is None:
            self._file: IO[bytes] = tempfile.TemporaryFile(prefix="gaitcheck-crops-")  # noqa: SIM115
        else:
            self._file = Path(path).open("w+b")  # noqa: SIM115
        self._is_part = path is not None
        #: Readable files holding crops: ours first, then adopted segment parts.
        self._files: list[IO[bytes]] = [self._file]
        self._parts_dir: Path | None = None
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="gaitcheck-crops")
        self._pending: deque[Future[None]] = deque()
        #: (box in frame px, scale, file, offset, length) by frame index, one per person.
        self._index = _Index()
        self._size = 0
        #: Why storing stopped (a full temporary disk), None while it works.
        self.failed: str | None = None
        #: (width, height) of the frames seen, None before the first.
        self.frame_size: tuple[int, int] | None = None

    # -- writing (pose loop) --------------------------------------------------------
    def add(self, frame: Frame, candidates: Sequence[PoseCandidate]) -> None:
        """Queue the feet region of every candidate in ``frame`` (called per frame)."""
        if self.failed is not None:
            return
        h, w = frame.rgb.shape[:2]
        self.frame_size = (w, h)
        for cand in candidates:
            px = cand.image[:, :2].astype(np.float64) * (w, h)
            boxes = [b for b in (foot_box(px[idx], w, h) for idx in _FEET) if b is not None]
            if not boxes:
                continue
            box = _union(boxes, w, h)
            smallest = min(min(b[2] - b[0], b[3] - b[1]) for b in boxes)
            scale = min(1.0, self.min_side / max(smallest, 1))
            # A copy of the small region only: the frame itself is not kept.
            patch = np.ascontiguousarray(frame.rgb[box[1]:box[3], box[0]:box[2]])
            self._pending.append(self._pool.submit(self._store, frame.index, box, scale, patch))
        while len(self._pending) > BACKLOG:
            self._pending.popleft().result()

    def _store(self, index: int, box: Box, scale: float, rgb: np.ndarray) -> None:
        if self.failed is not None:
            return
        bgr = cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)
        if scale < 1.0:
            bgr = cv2.resize(bgr, (max(1, round(bgr.shape[1] * scale)),
                                   max(1, round(bgr.shape[0] * scale))),
                             interpolation=cv2.INTER_AREA)
        ok, jpeg = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, SPOOL_QUALITY])
        if not ok:
            return
        data = jpeg.tobytes()
        try:
            self._file.write(data)
        except OSError as err:  # a full temp disk: key frames fall back to the video
            self.failed = f"crop spool stopped: {err.strerror or err}"
            return
        self._index.add(index, box, scale, 0, self._size, len(data))
        self._size += len(data)

    def finish(self) -> None:
        """Wait for every queued crop to be stored."""
        while self._pending:
            self._pending.popleft().result()
        if self._is_part and not self._file.closed:
            self._file.flush()  # a segment's part file is read by another process next

    def clear(self) -> None:
        """Forget every crop stored so far (a pose pass restarted from its first frame,
        :class:`gaitcheck.pose.canonical.RestartFlipped`: its frames are added again)."""
        self.finish()
        self._index.clear()

    # -- segments (other processes) ---------------------------------------------------
    def part_path(self, segment: int) -> Path:
        """Where a segment worker should spool (in a folder :meth:`close` deletes)."""
        if self._parts_dir is None:
            self._parts_dir = Path(tempfile.mkdtemp(prefix="gaitcheck-crops-"))
        return self._parts_dir / f"segment-{segment}.jpgs"

    def entries(self) -> dict[int, list[Entry]]:
        """The index of this spool's own file (what a segment worker sends back)."""
        self.finish()
        return self._index.grouped()

    def adopt(self, path: Path, entries: dict[int, list[Entry]], offset: int = 0,
              keep: range | None = None) -> None:
        """Serve the crops a segment worker spooled into ``path``.

        Parameters
        ----------
        path : Path
            The worker's part file (:meth:`part_path`).
        entries : dict
            The worker's :meth:`entries`.
        offset : int
            Added to the worker's frame numbers (its decoder's estimate after seeking)
            to give the true frame index.
        keep : range, optional
            True frame indices to adopt (the frames the stitched tracks take from that
            segment); all by default.
        """
        try:
            handle = Path(path).open("rb")  # noqa: SIM115  (closed by close())
        except OSError:
            return  # the key frames of that segment fall back to decoding the video
        self._files.append(handle)
        number = len(self._files) - 1
        for index, stored in entries.items():
            if keep is not None and index + offset not in keep:
                continue
            for box, scale, _, start, length in stored:
                self._index.add(index + offset, box, scale, number, start, length)

    # -- reading (report writer) ----------------------------------------------------
    def region(self, frame_index: int, box: Box) -> tuple[np.ndarray, float] | None:
        """The BGR pixels of ``box`` (frame pixels) in frame ``frame_index``.

        Returns
        -------
        (ndarray, float) or None
            The patch and its scale (patch pixels per frame pixel); None when no spooled
            crop of that frame covers the whole box.
        """
        self.finish()
        x0, y0, x1, y1 = box
        for (bx0, by0, bx1, by1), scale, number, offset, length in self._index.rows(
                frame_index):
            if not (bx0 <= x0 and by0 <= y0 and x1 <= bx1 and y1 <= by1):
                continue
            handle = self._files[number]
            handle.seek(offset)
            image = cv2.imdecode(np.frombuffer(handle.read(length), np.uint8),
                                 cv2.IMREAD_COLOR)
            if image is None:
                return None
            top, left = round((y0 - by0) * scale), round((x0 - bx0) * scale)
            side_y, side_x = round((y1 - y0) * scale), round((x1 - x0) * scale)
            patch = image[top:top + side_y, left:left + side_x]
            return (patch, scale) if patch.size else None
        return None

    @property
    def nbytes(self) -> int:
        """Bytes of JPEG stored so far (in this spool's own file)."""
        return self._size

    def close(self) -> None:
        """Stop the encoder thread and delete the temporary file."""
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._pending.clear()
        for handle in self._files:
            handle.close()
        if self._parts_dir is not None:
            shutil.rmtree(self._parts_dir, ignore_errors=True)

    def __enter__(self) -> CropSpool:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def _union(boxes: list[Box], width: int, height: int) -> Box:
    x0, y0 = min(b[0] for b in boxes), min(b[1] for b in boxes)
    x1, y1 = max(b[2] for b in boxes), max(b[3] for b in boxes)
    pad_x, pad_y = round(_SLACK * (x1 - x0)), round(_SLACK * (y1 - y0))
    return (max(x0 - pad_x, 0), max(y0 - pad_y, 0),
            min(x1 + pad_x, width), min(y1 + pad_y, height))

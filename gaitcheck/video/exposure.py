"""Exposure normalisation of a dark clip before the pose model sees it.

The landmarker loses a runner filmed in a dim room (the consistency suite's "dim"
transform: grey levels halved and contrast raised, so the shadows clip to black).
When a clip is dark, one lookup table for the whole clip stretches its grey range so
its 90th percentile lands near a normally exposed clip's, with a gamma that lifts the
shadows more than the highlights. The table is computed from the luminance of the first
frames of the pass (the same for a clip and its mirror), and it is the identity — no
call, no copy — on a clip that is not dark, so normal clips give bit-identical
landmarks. The scene-line roll estimate reads its frames through the same table
(:func:`lut_of` rebuilds it from the record kept with the tracks).

What no table gives back: pixels clipped to black (``black_share``). On the suite's
dimmed real treadmill clip 31 % of the picture is black, among it the runner's shaded
back merged with his black shadow on the wall and the lower shank and foot at contact;
even the exact inverse of the dimming, applied before the decoder's RGB conversion,
leaves knee flexion at contact 9° and overstride 9 % of leg length off, so the report
says so (``dark_video_corrected``) rather than the table being tuned further.
"""

from __future__ import annotations

import collections
import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from gaitcheck.video._cv import cv2

#: A clip is dark when the median over its first frames of the 90th percentile of the
#: grey level is below this (0..255). Normal phone clips: 150–230; the rendered samples
#: 129–134, the darker overground one 86 (the landmarker is fine on all of these, and
#: they must stay untouched); the suite's "dim" clips 52 (real) and 26 (rendered); the
#: report's "very dark" warning is at 40.
DARK_P90 = 70.0
#: Grey level the 90th percentile is moved to, and the largest gain allowed (noise).
TARGET_P90, MAX_GAIN = 170.0, 4.0
#: Frames measured at the start of the pass, and the height of the grey thumbnail they
#: are measured on, px.
N_FIRST, THUMB_HEIGHT = 5, 256
#: Grey level (0..255) at or below which a thumbnail pixel counts as clipped to black.
BLACK_LEVEL = 2


@dataclass(frozen=True)
class Exposure:
    """The clip's exposure and the correction applied before pose.

    Attributes
    ----------
    p1, p90 : float
        Median over the sampled frames of the 1st and 90th grey-level percentiles
        (0..255); None when nothing could be sampled.
    lut : numpy.ndarray of uint8, shape (256,), or None
        The lookup table applied to every RGB channel, None when the clip is not dark.
    black_share : float or None
        Median over the sampled frames of the share of the picture at grey level
        :data:`BLACK_LEVEL` or below (0..1): detail there is gone, whatever the table.
    """

    p1: float | None
    p90: float | None
    lut: np.ndarray | None
    black_share: float | None = None

    def apply(self, rgb: np.ndarray) -> np.ndarray:
        """``rgb`` (H, W, 3, uint8) corrected; the same object when there is no table."""
        return rgb if self.lut is None else cv2.LUT(rgb, self.lut)

    def wrap(self, backend: Any) -> Any:
        """``backend`` itself when there is no table, else one whose ``detect(rgb, ms)``
        sees the corrected frame (the frame itself, shown in reports, is untouched)."""
        return backend if self.lut is None else _Corrected(backend, self)

    def describe(self) -> dict[str, Any]:
        """JSON-ready record (``tracks.source["exposure"]``)."""
        return {"p1": self.p1, "p90": self.p90, "corrected": self.lut is not None,
                "gain": None if self.lut is None else round(self._gain(), 3),
                "dark_p90": DARK_P90, "target_p90": TARGET_P90,
                "black_share": self.black_share}

    def _gain(self) -> float:
        assert self.p1 is not None and self.p90 is not None
        return min(MAX_GAIN, TARGET_P90 / max(self.p90 - self.p1, 1.0))


def exposure_lut(p1: float, p90: float) -> np.ndarray | None:
    """Lookup table for a clip whose grey levels have these percentiles, or None.

    Levels from ``p1`` up are stretched linearly so ``p90`` goes to :data:`TARGET_P90`
    (gain at most :data:`MAX_GAIN`), then a gamma of 0.8 lifts the shadows; None when
    ``p90`` is at least :data:`DARK_P90` (not dark: no correction).
    """
    if not p90 < DARK_P90:
        return None
    gain = min(MAX_GAIN, TARGET_P90 / max(p90 - p1, 1.0))
    x = np.clip((np.arange(256.0) - p1) * gain, 0.0, 255.0) / 255.0
    return np.round(255.0 * x ** 0.8).astype(np.uint8)


def lut_of(record: dict[str, Any] | None) -> np.ndarray | None:
    """The table a pose pass applied, from its record (:meth:`Exposure.describe`, kept
    as ``tracks.source["exposure"]``); None when that pass applied none."""
    if not record or not record.get("corrected") or record.get("p90") is None:
        return None
    return exposure_lut(float(record.get("p1") or 0.0), float(record["p90"]))


def grey_thumbnail(rgb: np.ndarray, height: int = THUMB_HEIGHT) -> np.ndarray:
    """One frame (H, W, 3, uint8 RGB) in grey, ``height`` px high (area-averaged)."""
    h, w = rgb.shape[:2]
    size = (max(1, round(w * height / max(h, 1))), height)
    return cv2.cvtColor(cv2.resize(rgb, size, interpolation=cv2.INTER_AREA),
                        cv2.COLOR_RGB2GRAY)


def grey_percentiles(rgb: np.ndarray) -> tuple[float, float]:
    """1st and 90th percentile of one frame's grey level, on a small thumbnail."""
    return grey_levels(rgb)[:2]


def grey_levels(rgb: np.ndarray) -> tuple[float, float, float]:
    """1st and 90th percentile of one frame's grey level and the share of it at
    :data:`BLACK_LEVEL` or below, on a small thumbnail."""
    grey = grey_thumbnail(rgb)
    p1, p90 = np.percentile(grey, (1, 90))
    return float(p1), float(p90), float(np.mean(grey <= BLACK_LEVEL))


def peek_exposure(frames: Iterable[Any], n: int = N_FIRST) -> tuple[Iterator[Any], Exposure]:
    """Decide the correction from the first ``n`` frames of the pass, without losing them.

    Parameters
    ----------
    frames : iterable
        The pose pass's frames (objects with an ``rgb`` array, H × W × 3 uint8), in order.
    n : int
        Frames measured (kept in memory meanwhile; seeking to frames spread over the
        clip cost 1–8 s per clip on a busy machine, more than the whole decision is
        worth).

    Returns
    -------
    frames : iterator
        The same frames, in order, all of them.
    exposure : Exposure
        Median percentiles of those frames and the table (None when not dark).
    """
    it = iter(frames)
    head = list(itertools.islice(it, n))
    samples = [grey_levels(f.rgb) for f in head]
    if not samples:
        return _Replay(head, it), Exposure(None, None, None)
    p1, p90 = (round(float(np.median([s[k] for s in samples])), 1) for k in (0, 1))
    black = round(float(np.median([s[2] for s in samples])), 3)
    return _Replay(head, it), Exposure(p1, p90, exposure_lut(p1, p90), black)


class _Replay:
    """The items of ``head``, then those of ``rest``: ``itertools.chain(head, rest)``, but
    each item of ``head`` is let go of once handed on.

    A chain keeps ``head`` (its tuple of sources does) until ``rest`` ends: the first
    :data:`N_FIRST` decoded frames, 14 MB of 720p, stayed resident through the whole pose
    pass (issue 17's memory bound).
    """

    def __init__(self, head: list[Any], rest: Iterator[Any]) -> None:
        self._head, self._rest = collections.deque(head), rest

    def __iter__(self) -> _Replay:
        return self

    def __next__(self) -> Any:
        if self._head:
            return self._head.popleft()
        return next(self._rest)


@dataclass(frozen=True)
class _Corrected:
    """A pose backend fed exposure-corrected frames (see :meth:`Exposure.wrap`)."""

    backend: Any
    exposure: Exposure

    def detect(self, rgb: np.ndarray, timestamp_ms: int) -> Any:
        return self.backend.detect(self.exposure.apply(rgb), timestamp_ms)

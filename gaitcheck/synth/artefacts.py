"""Pose-estimation artefacts applied to synthetic landmark tracks (never to the truth).

Each artefact is switchable and reproducible: :func:`apply_artefacts` draws every kind
from its own stream of ``numpy.random.SeedSequence(seed)``, so turning one artefact on
or off does not change the realisation of the others. What was applied (frames of each
event) is recorded in ``tracks.source["artefacts"]["applied"]`` for tests and
benchmarks.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np

from gaitcheck.landmarks import LM
from gaitcheck.sides import SIDES
from gaitcheck.tracks.tracks import LandmarkTracks

#: Landmarks exchanged by a left/right leg swap (MediaPipe's typical failure in side
#: views, when the legs cross).
LEG_PARTS = ("hip", "knee", "ankle", "heel", "foot_index")
FOOT_PARTS = ("heel", "foot_index")


@dataclass(frozen=True)
class Artefacts:
    """Which artefacts to add, and how strong.

    Parameters
    ----------
    jitter_px : float
        Standard deviation of Gaussian noise on image ``x``/``y``, pixels.
    jitter_rel : float
        Additional noise SD as a fraction of the subject's height in the image (median
        over frames of the vertical extent of the landmarks); combined in quadrature with
        ``jitter_px``. The same pixel noise, converted to metres at the subject's depth,
        goes on the world ``x``/``y``, and on ``z`` in its x-scale units.
    dropped_frames : float
        Fraction of frames with no pose at all (every value NaN, as the backend stores a
        frame without detection).
    missing_landmarks : float
        Probability that a landmark is missing (NaN) in a frame.
    lowered_visibility : float
        Probability that a landmark's visibility is multiplied by U(0.1, 0.5).
    swap_count : int
        Number of left/right leg swaps (hip, knee, ankle, heel, foot_index exchanged).
    swap_frames : (int, int)
        Shortest and longest swap, frames (inclusive).
    far_foot_count : int
        Number of episodes where the far foot's heel and foot_index are misplaced.
    far_foot_frames : (int, int)
        Shortest and longest episode, frames (inclusive).
    far_foot_pull : float
        Fraction of the way the far heel/foot_index move towards the near foot's (1 =
        snapped onto it).
    """

    jitter_px: float = 0.0
    jitter_rel: float = 0.0
    dropped_frames: float = 0.0
    missing_landmarks: float = 0.0
    lowered_visibility: float = 0.0
    swap_count: int = 0
    swap_frames: tuple[int, int] = (3, 6)
    far_foot_count: int = 0
    far_foot_frames: tuple[int, int] = (2, 8)
    far_foot_pull: float = 0.7

    def __post_init__(self) -> None:
        for name in ("jitter_px", "jitter_rel"):
            if not getattr(self, name) >= 0:
                raise ValueError(f"{name} must be >= 0")
        for name in ("dropped_frames", "missing_landmarks", "lowered_visibility",
                     "far_foot_pull"):
            if not 0 <= getattr(self, name) <= 1:
                raise ValueError(f"{name} must be in [0, 1]")
        for name in ("swap_count", "far_foot_count"):
            if int(getattr(self, name)) != getattr(self, name) or getattr(self, name) < 0:
                raise ValueError(f"{name} must be a non-negative integer")
        for name in ("swap_frames", "far_foot_frames"):
            lo, hi = getattr(self, name)
            if not 1 <= lo <= hi:
                raise ValueError(f"{name} must be (shortest, longest) with 1 <= shortest "
                                 "<= longest")
            object.__setattr__(self, name, (int(lo), int(hi)))

    @classmethod
    def none(cls) -> Artefacts:
        """No artefact: the tracks are the exact projection of the truth."""
        return cls()

    @classmethod
    def realistic(cls) -> Artefacts:
        """Typical MediaPipe behaviour on a good phone clip: jitter 0.5 % of body height,
        2 % dropped frames, a few 3–6-frame leg swaps and far-foot errors."""
        return cls(jitter_rel=0.005, dropped_frames=0.02, missing_landmarks=0.002,
                   lowered_visibility=0.02, swap_count=3, swap_frames=(3, 6),
                   far_foot_count=4, far_foot_frames=(2, 8), far_foot_pull=0.7)

    @property
    def enabled(self) -> bool:
        """Whether any artefact is switched on."""
        return self != Artefacts()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        out = dataclasses.asdict(self)
        out["swap_frames"], out["far_foot_frames"] = list(self.swap_frames), list(
            self.far_foot_frames)
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Artefacts:
        """Inverse of :meth:`to_dict`."""
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown artefacts: {sorted(unknown)}")
        data = dict(data)
        for name in ("swap_frames", "far_foot_frames"):
            if name in data:
                data[name] = tuple(data[name])
        return cls(**data)


def _episodes(rng: np.random.Generator, n_frames: int, count: int,
              length: tuple[int, int]) -> list[tuple[int, int]]:
    """Up to ``count`` non-overlapping [start, stop) frame ranges (fewer if the clip is
    too short), sorted."""
    out: list[tuple[int, int]] = []
    for _ in range(50 * count):
        if len(out) == count:
            break
        n = int(rng.integers(length[0], length[1] + 1))
        if n >= n_frames:
            continue
        start = int(rng.integers(0, n_frames - n + 1))
        if all(start >= b + 1 or start + n + 1 <= a for a, b in out):
            out.append((start, start + n))
    return sorted(out)


def _pairs(parts: tuple[str, ...]) -> tuple[list[int], list[int]]:
    return [LM[f"left_{p}"] for p in parts], [LM[f"right_{p}"] for p in parts]


def apply_artefacts(tracks: LandmarkTracks, artefacts: Artefacts, seed: int = 0,
                    metres_per_px: np.ndarray | float | None = None) -> LandmarkTracks:
    """A copy of ``tracks`` with ``artefacts`` added.

    Parameters
    ----------
    tracks : LandmarkTracks
        Clean tracks (e.g. from :func:`gaitcheck.synth.to_tracks.motion_to_tracks`).
    artefacts : Artefacts
    seed : int
        Seed of all random draws.
    metres_per_px : float or numpy.ndarray (T,), optional
        Image scale at the subject (m per pixel), to put the jitter on the world
        landmarks too; without it the world landmarks get no jitter.

    Returns
    -------
    LandmarkTracks
        New tracks; ``source["artefacts"]`` holds the settings, the seed and
        ``applied``: ``dropped_frames`` (frame indices), ``swaps`` ([start, stop)
        frame ranges) and ``far_foot`` ([start, stop, side of the far foot]).
    """
    image = tracks.image.astype(np.float64)
    world = tracks.world.astype(np.float64)
    n_t = tracks.n_frames
    w, h = tracks.video.width, tracks.video.height
    rng = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(6)]
    applied: dict[str, list] = {"dropped_frames": [], "swaps": [], "far_foot": []}

    height_px = float(np.nanmedian(np.ptp(image[:, :, 1], axis=1))) * h
    sd = float(np.hypot(artefacts.jitter_px, artefacts.jitter_rel * height_px))
    if sd > 0:
        noise = rng[0].normal(0.0, sd, size=(n_t, image.shape[1], 2))
        image[:, :, 0] += noise[..., 0] / w
        image[:, :, 1] += noise[..., 1] / h
        image[:, :, 2] += rng[0].normal(0.0, sd, size=(n_t, image.shape[1])) / w
        if metres_per_px is not None:
            scale = np.broadcast_to(np.asarray(metres_per_px, dtype=np.float64), (n_t,))
            world[:, :, :2] += noise * scale[:, None, None]

    if artefacts.far_foot_count:
        left, right = _pairs(FOOT_PARTS)
        depth = image[:, [LM["left_ankle"], LM["right_ankle"]], 2]
        for a, b in _episodes(rng[1], n_t, artefacts.far_foot_count, artefacts.far_foot_frames):
            far_right = bool(np.nanmean(depth[a:b, 1] - depth[a:b, 0]) > 0)
            far, near = (right, left) if far_right else (left, right)
            for arr in (image[:, :, :3], world):
                arr[a:b, far] += artefacts.far_foot_pull * (arr[a:b, near] - arr[a:b, far])
            applied["far_foot"].append([a, b, SIDES[int(far_right)]])

    if artefacts.swap_count:
        left, right = _pairs(LEG_PARTS)
        for a, b in _episodes(rng[2], n_t, artefacts.swap_count, artefacts.swap_frames):
            for arr in (image, world):
                arr[a:b, left + right] = arr[a:b, right + left]
            applied["swaps"].append([a, b])

    if artefacts.lowered_visibility:
        hit = rng[3].random((n_t, image.shape[1])) < artefacts.lowered_visibility
        image[:, :, 3] = np.where(hit, image[:, :, 3] * rng[3].uniform(0.1, 0.5, hit.shape),
                                  image[:, :, 3])

    if artefacts.missing_landmarks:
        gone = rng[4].random((n_t, image.shape[1])) < artefacts.missing_landmarks
        image[gone] = np.nan
        world[gone] = np.nan

    if artefacts.dropped_frames:
        n_drop = round(artefacts.dropped_frames * n_t)
        drop = np.sort(rng[5].choice(n_t, size=n_drop, replace=False))
        image[drop] = np.nan
        world[drop] = np.nan
        applied["dropped_frames"] = drop.tolist()

    source = dict(tracks.source)
    source["artefacts"] = {**artefacts.to_dict(), "seed": int(seed), "applied": applied}
    return dataclasses.replace(tracks, image=image.astype(np.float32),
                               world=world.astype(np.float32), source=source)

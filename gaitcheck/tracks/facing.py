"""A subject who turns round: one facing for the whole clip, by mirroring the return.

A runner or walker filmed from the side who goes across the picture and back faces
image-left on one leg of the trip and image-right on the other. The gait-event detector
already splits the clip into segments of one facing (:func:`gaitcheck.events.signals.
plan_segments`), but the sagittal metrics (trunk lean, head, overstride, knee, foot
angle) read "forward" from one facing: the other half would come out mirrored, and the
mean of the two is nonsense (a trunk lean of 8° reads 0°).

:func:`face_one_way` makes the clip face one way: the frames of the segments that face
the other way are mirrored about the image's vertical centre line (``x → 1 − x``, world
``x → −x``), which turns a runner facing right into one facing left with every joint
angle kept; the turn itself (between segments of different facing) is dropped (no
pose), as the event detector leaves it out. The subject's own left and right stay as
they are; which leg is nearer the camera changes at the turn, so the near side is
unknown afterwards (each stride's legs are still checked for being seen).
"""

from __future__ import annotations

import dataclasses
import itertools
from dataclasses import dataclass

import numpy as np

from gaitcheck.events.model import EventSegment
from gaitcheck.metrics.frames import levelled
from gaitcheck.tracks.tracks import LandmarkTracks


@dataclass(frozen=True)
class OneWay:
    """Tracks made to face one way (see :func:`face_one_way`).

    Attributes
    ----------
    tracks : LandmarkTracks
        Levelled tracks with the minority-facing segments mirrored and the turns
        removed.
    facing : {"left", "right"}
        The facing of the whole clip now (the facing of most segment frames).
    mirrored_frames, dropped_frames : int
        Rows mirrored, and rows of the turns set to "no pose".
    mirrored_ranges, dropped_ranges : tuple of (int, int)
        The same as inclusive ranges of source-video frame numbers (what
        :func:`apply_one_way` re-applies to other tracks of the same clip).
    """

    tracks: LandmarkTracks
    facing: str
    mirrored_frames: int
    dropped_frames: int
    mirrored_ranges: tuple[tuple[int, int], ...] = ()
    dropped_ranges: tuple[tuple[int, int], ...] = ()

    def to_dict(self) -> dict[str, object]:
        """JSON-ready summary for the report (``analysis.frame.one_way``)."""
        return {"facing": self.facing, "mirrored_frames": self.mirrored_frames,
                "dropped_frames": self.dropped_frames,
                "mirrored_video_frames": [list(r) for r in self.mirrored_ranges],
                "dropped_video_frames": [list(r) for r in self.dropped_ranges]}


def _ranges(mask: np.ndarray, frame_index: np.ndarray) -> tuple[tuple[int, int], ...]:
    """Inclusive (first, last) video frame numbers of the runs of True in ``mask``."""
    edges = np.flatnonzero(np.diff(np.concatenate([[0], mask.astype(np.int8), [0]])))
    return tuple((int(frame_index[a]), int(frame_index[b - 1]))
                 for a, b in zip(edges[::2], edges[1::2], strict=True))


def _mask(ranges: object, frame_index: np.ndarray) -> np.ndarray:
    """Rows whose video frame number lies in one of the inclusive ``ranges``."""
    out = np.zeros(len(frame_index), dtype=bool)
    for first, last in ranges or []:  # type: ignore[attr-defined]
        out |= (frame_index >= first) & (frame_index <= last)
    return out


def _mirrored(tracks: LandmarkTracks, mirror: np.ndarray, drop: np.ndarray,
              source: dict[str, object]) -> LandmarkTracks:
    """Levelled ``tracks`` with rows ``mirror`` mirrored and rows ``drop`` emptied."""
    flat = levelled(tracks)
    image, world = flat.image.copy(), flat.world.copy()
    image[mirror, :, 0] = 1.0 - image[mirror, :, 0]
    world[mirror, :, 0] = -world[mirror, :, 0]
    image[drop] = np.nan
    world[drop] = np.nan
    kept = {k: v for k, v in flat.source.items() if k != "scene_lines"} \
        if flat is not tracks else dict(tracks.source)
    return LandmarkTracks(image, world, tracks.time_s, tracks.frame_index, tracks.video,
                          kept | source)


def apply_one_way(tracks: LandmarkTracks, one_way: dict[str, object] | None
                  ) -> LandmarkTracks:
    """Make other tracks of the same clip face one way as the analysis did.

    Parameters
    ----------
    tracks : LandmarkTracks
        Tracks of the clip in the video's own coordinates (e.g. the cleaned tracks the
        report draws from).
    one_way : dict or None
        ``report.json`` ``analysis.frame.one_way`` (:meth:`OneWay.to_dict`); None (a
        subject who does not turn) returns ``tracks`` unchanged.

    Returns
    -------
    LandmarkTracks
        Levelled, the recorded video frames mirrored and the turn emptied, so per-frame
        angles read "forward" the same way on both legs of the trip.
    """
    if not one_way:
        return tracks
    fi = np.asarray(tracks.frame_index)
    return _mirrored(tracks, _mask(one_way.get("mirrored_video_frames"), fi),
                     _mask(one_way.get("dropped_video_frames"), fi),
                     {"one_way": dict(one_way)})


def face_one_way(tracks: LandmarkTracks, segments: tuple[EventSegment, ...]
                 ) -> OneWay | None:
    """Mirror the segments facing the minority way; None when all face one way.

    Parameters
    ----------
    tracks : LandmarkTracks
        The raw tracks (image ``x``, ``y`` normalised); they are levelled first (a
        camera roll mirrors into the opposite roll), and the scene lines, read for the
        roll, are then no longer part of their source.
    segments : tuple of EventSegment
        The event detector's segments (``facing`` "left" or "right").
    """
    sides = [s for s in segments if s.facing in ("left", "right")]
    if len({s.facing for s in sides}) < 2:
        return None
    frames = {f: sum(s.stop_frame - s.start_frame for s in sides if s.facing == f)
              for f in ("left", "right")}
    main = max(frames, key=lambda f: (frames[f], f == "left"))
    # Every row takes the facing of its segment; rows outside any take that of the
    # segments around them (the clip's ends, gaps of the same facing); rows between two
    # segments of different facing are the turn.
    ordered = sorted(sides, key=lambda s: s.start_frame)
    mirror = np.zeros(tracks.n_frames, dtype=bool)
    drop = np.zeros(tracks.n_frames, dtype=bool)
    bounds = [0, *[s.stop_frame for s in ordered[:-1]], tracks.n_frames]
    for k, s in enumerate(ordered):
        start = bounds[k] if k == 0 or ordered[k - 1].facing == s.facing else s.start_frame
        stop = bounds[k + 1] if k == len(ordered) - 1 or ordered[k + 1].facing == s.facing \
            else s.stop_frame
        mirror[start:stop] = s.facing != main
    for a, b in itertools.pairwise(ordered):
        if a.facing != b.facing:
            drop[a.stop_frame:b.start_frame] = True
            mirror[a.stop_frame:b.start_frame] = False
    fi = np.asarray(tracks.frame_index)
    result = OneWay(tracks, main, int(mirror.sum()), int(drop.sum()), _ranges(mirror, fi),
                    _ranges(drop, fi))
    out = _mirrored(tracks, mirror, drop, {"one_way": {
        "facing": main, "mirrored_frames": result.mirrored_frames,
        "dropped_frames": result.dropped_frames}})
    return dataclasses.replace(result, tracks=out)

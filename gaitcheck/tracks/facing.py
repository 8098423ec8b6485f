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
    """

    tracks: LandmarkTracks
    facing: str
    mirrored_frames: int
    dropped_frames: int

    def to_dict(self) -> dict[str, object]:
        """JSON-ready summary for the report."""
        return {"facing": self.facing, "mirrored_frames": self.mirrored_frames,
                "dropped_frames": self.dropped_frames}


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
    flat = levelled(tracks)
    image, world = flat.image.copy(), flat.world.copy()
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
    image[mirror, :, 0] = 1.0 - image[mirror, :, 0]
    world[mirror, :, 0] = -world[mirror, :, 0]
    image[drop] = np.nan
    world[drop] = np.nan
    source = {k: v for k, v in flat.source.items() if k != "scene_lines"} \
        if flat is not tracks else dict(tracks.source)
    source["one_way"] = {"facing": main, "mirrored_frames": int(mirror.sum()),
                         "dropped_frames": int(drop.sum())}
    out = LandmarkTracks(image, world, tracks.time_s, tracks.frame_index, tracks.video,
                         source)
    return OneWay(out, main, int(mirror.sum()), int(drop.sum()))

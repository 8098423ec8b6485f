"""What the pose pass keeps besides the landmarks, from the frames it decodes anyway.

Three consumers look at every frame where someone was found (:data:`PoseHook`), so none
needs a second decode of the video:

- :class:`~gaitcheck.video.sampling.FrameSampler`: a few grey frames for the scene-line
  roll estimate (:mod:`gaitcheck.video.lines`);
- :class:`~gaitcheck.video.scene_motion.SceneMotionTracker`: how far the camera panned or
  shook (:mod:`gaitcheck.tracks.setting`);
- :class:`~gaitcheck.report.cropspool.CropSpool`: the foot crops of the key frames.

A pose pass split into time segments (:mod:`gaitcheck.pose.segments`) gives each segment
its own :class:`PassHooks`; :func:`joined` combines them at the seams.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from gaitcheck.video.lines import scene_lines, scene_lines_from_video
from gaitcheck.video.sampling import FrameSampler
from gaitcheck.video.scene_motion import SceneMotionTracker

if TYPE_CHECKING:
    from gaitcheck.pose.backend import PoseCandidate
    from gaitcheck.report.cropspool import CropSpool
    from gaitcheck.tracks.tracks import LandmarkTracks
    from gaitcheck.video.reader import Frame


class PassHooks:
    """The pose hook of one pass (or one segment of a split pass).

    Parameters
    ----------
    expected : int, optional
        Frames of the whole analysis window (for the sampler's spacing).
    spool : CropSpool, optional
        Receives the foot crops.
    by_index : bool
        Sample the scene-line frames on the file's frame index rather than on the count
        of frames seen, so every segment of a split pass keeps the frames one pass
        over a window starting at frame 0 keeps.
    """

    def __init__(self, expected: int | None, spool: CropSpool | None = None,
                 by_index: bool = False) -> None:
        self.sampler = FrameSampler(expected, by_index=by_index)
        self.scene = SceneMotionTracker()
        self.spool = spool

    def __call__(self, frame: Frame, found: Sequence[PoseCandidate]) -> None:
        """Pose hook (:data:`gaitcheck.pose.extract.PoseHook`)."""
        self.sampler.add(frame)
        self.scene.add(frame, found)
        if self.spool is not None:
            self.spool.add(frame, found)

    def close(self) -> None:
        """Stop the sampler's line-detection thread (results no longer wanted)."""
        self.sampler.close()

    def apply(self, tracks: LandmarkTracks, video: Path) -> LandmarkTracks:
        """``tracks`` with ``source["scene_motion"]`` and ``source["scene_lines"]``."""
        return _with_scene(tracks, self.scene, self.sampler.frames, self.sampler.segments(),
                           video)


@dataclass(frozen=True)
class Part:
    """One segment's hooks and where its frames sit in the stitched pass.

    ``offset`` is added to the segment's frame numbers (its decoder's estimate after a
    seek); ``first`` is the first true frame index taken from it (the seam).
    """

    hooks: PassHooks
    offset: int
    first: int


def joined(parts: Sequence[Part], tracks: LandmarkTracks, video: Path) -> LandmarkTracks:
    """:meth:`PassHooks.apply` for a pass stitched from ``parts`` (in time order).

    Scene-line frames are taken from the segment that supplies their frame. The scene's
    cumulative shift restarts at zero in each segment; a later segment's values are
    moved by the difference from the earlier one at the frame both measured nearest the
    seam (interpolated in the earlier one when they measured different frames).
    """
    ends = [p.first for p in parts[1:]] + [int(np.iinfo(np.int64).max)]
    frames: list[tuple[int, np.ndarray, float]] = []
    found: dict[int, np.ndarray] = {}
    shift: dict[int, tuple[float, float]] = {}
    measured = 0
    for part, end in zip(parts, ends, strict=True):
        segs = part.hooks.sampler.segments()
        for index, grey, scale in part.hooks.sampler.frames:
            true = index + part.offset
            if part.first <= true < end:
                frames.append((true, grey, scale))
                if index in segs:
                    found[true] = segs[index]
        cur = {i + part.offset: v for i, v in part.hooks.scene.shift.items()}
        delta = _shift_delta(shift, cur, part.first) if shift else (0.0, 0.0)
        shift = {i: v for i, v in shift.items() if i < part.first} | {
            i: (v[0] + delta[0], v[1] + delta[1]) for i, v in cur.items() if i >= part.first}
        # Frames whose shift was measured (not carried over), pro rata of those kept.
        kept = sum(part.first <= i < end for i in cur)
        measured += round(part.hooks.scene.measured * kept / max(len(cur), 1))
    scene = SceneMotionTracker()
    scene.shift = shift
    scene.measured = measured
    return _with_scene(tracks, scene, frames, found, video)


def _shift_delta(before: dict[int, tuple[float, float]], after: dict[int, tuple[float, float]],
                 seam: int) -> tuple[float, float]:
    """What to add to ``after``'s cumulative shift to continue ``before`` at ``seam``."""
    known = np.array(sorted(before))
    usable = [i for i in after if known[0] <= i <= known[-1]]
    if not usable:  # no overlap measured: continue from the last value before the seam
        last = before[int(known[known < max(seam, known[0] + 1)][-1])]
        first = after[min(after)] if after else (0.0, 0.0)
        return last[0] - first[0], last[1] - first[1]
    at = min(usable, key=lambda i: (abs(i - seam), i))
    xs = np.array([before[int(i)][0] for i in known])
    ys = np.array([before[int(i)][1] for i in known])
    return (float(np.interp(at, known, xs)) - after[at][0],
            float(np.interp(at, known, ys)) - after[at][1])


def _with_scene(tracks: LandmarkTracks, scene: SceneMotionTracker,
                frames: list[tuple[int, np.ndarray, float]],
                found: dict[int, np.ndarray], video: Path) -> LandmarkTracks:
    source: dict[str, Any] = {"scene_motion": scene.as_source(tracks.frame_index)}
    with_motion = dataclasses.replace(tracks, source=tracks.source | source)
    if frames:
        lines = scene_lines(frames, with_motion, found)
    else:  # nobody found in the sampled frames: read a few frames by seeking
        lines = scene_lines_from_video(video, with_motion)
    return dataclasses.replace(with_motion, source=with_motion.source | {"scene_lines": lines})

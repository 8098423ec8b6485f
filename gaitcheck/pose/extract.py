"""Video → landmark tracks: stream frames through a pose backend and follow one subject."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from gaitcheck.landmarks import N_LANDMARKS
from gaitcheck.pose.backend import PoseBackend, PoseCandidate
from gaitcheck.pose.subject import select_subject
from gaitcheck.tracks.tracks import CHANNELS, LandmarkTracks
from gaitcheck.video.reader import VideoReader

ProgressCallback = Callable[[int], None]


@dataclass(frozen=True)
class Extraction:
    """Result of running pose on a video.

    Attributes
    ----------
    tracks : LandmarkTracks
        The main subject's landmarks in every decoded frame of the window.
    truncated : bool
        Decoding stopped well before the container's declared frame count.
    max_people : int
        Most people detected in one frame.
    frames_with_others : int
        Frames where someone besides the subject was detected.
    """

    tracks: LandmarkTracks
    truncated: bool
    max_people: int
    frames_with_others: int


def extract_tracks(
    reader: VideoReader,
    backend: PoseBackend,
    on_frame: ProgressCallback | None = None,
) -> Extraction:
    """Run ``backend`` on every frame of ``reader``'s window and follow the main subject.

    Parameters
    ----------
    reader : VideoReader
        Open video with its analysis window.
    backend : PoseBackend
        Pose estimator; called in time order with real-time timestamps.
    on_frame : callable, optional
        Called with the number of frames processed so far, after each frame.
    """
    per_frame: list[list[PoseCandidate]] = []
    times: list[float] = []
    indices: list[int] = []
    for frame in reader.frames():
        per_frame.append(backend.detect(frame.rgb, round(frame.time_s * 1000.0)))
        times.append(frame.time_s)
        indices.append(frame.index)
        if on_frame is not None:
            on_frame(len(times))
    time_s = np.asarray(times, dtype=np.float64)
    info = reader.info
    selection = select_subject(per_frame, time_s, info.width, info.height)

    image = np.full((len(times), N_LANDMARKS, len(CHANNELS)), np.nan, dtype=np.float32)
    world = np.full((len(times), N_LANDMARKS, 3), np.nan, dtype=np.float32)
    for t, cand in enumerate(selection.chosen):
        if cand is not None:
            image[t] = cand.image
            world[t] = cand.world
    source = backend.describe() | {
        "subject_selection": {
            "max_people_in_frame": selection.max_people,
            "frames_with_other_people": selection.frames_with_others,
            "person_tracklets": selection.n_tracklets,
        },
        "window": {"start_s": reader.start_s, "end_s": reader.end_s},
    }
    tracks = LandmarkTracks(image=image, world=world, time_s=time_s,
                            frame_index=np.asarray(indices, dtype=np.int64), video=info,
                            source=source)
    return Extraction(tracks=tracks, truncated=reader.decode_stopped_early,
                      max_people=selection.max_people,
                      frames_with_others=selection.frames_with_others)

"""Video → landmark tracks: stream frames through a pose backend and follow one subject.

Besides the landmarks, a few cheap image statistics are kept (brightness and
sharpness of a sample of frames, on a small grey thumbnail), so a report on a very dark
or blurred video says so, and a video where no one was found says why that may be.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from gaitcheck.errors import InputError
from gaitcheck.landmarks import N_LANDMARKS
from gaitcheck.pose.backend import PoseBackend, PoseCandidate
from gaitcheck.pose.subject import select_subject
from gaitcheck.tracks.tracks import CHANNELS, LandmarkTracks
from gaitcheck.video._cv import cv2
from gaitcheck.video.reader import Frame, VideoReader

ProgressCallback = Callable[[int], None]
#: Called with each frame and the people found in it, e.g. to keep a crop of the feet.
PoseHook = Callable[[Frame, list[PoseCandidate]], None]

#: Image statistics are taken on about this many frames per second of video, on a grey
#: thumbnail this many pixels high: enough to judge exposure and focus, < 0.1 ms/frame.
STATS_PER_S, STATS_HEIGHT = 2.0, 256
#: 90th percentile of the grey level (0..255) below which a video is "very dark", and
#: variance of the thumbnail's Laplacian below which it is "very blurred" (sharp phone
#: video scores several hundred; a Gaussian blur of 2 % of the frame height about 3).
DARK_P90, BLURRY_LAPLACIAN_VAR = 40.0, 10.0


@dataclass(frozen=True)
class Extraction:
    """Result of running pose on a video.

    Attributes
    ----------
    tracks : LandmarkTracks
        The main subject's landmarks in every analysed frame of the window.
    truncated : bool
        Decoding stopped well before the container's declared frame count, or frames
        inside the file could not be decoded (see ``tracks.source["decoding"]``).
    max_people : int
        Most people detected in one frame.
    frames_with_others : int
        Frames where someone besides the subject was detected.
    """

    tracks: LandmarkTracks
    truncated: bool
    max_people: int
    frames_with_others: int


def image_stats(rgb: np.ndarray) -> tuple[float, float]:
    """Exposure and focus of one frame.

    Parameters
    ----------
    rgb : numpy.ndarray, shape (H, W, 3), uint8

    Returns
    -------
    brightness_p90 : float
        90th percentile of the grey level, 0..255.
    sharpness : float
        Variance of the Laplacian of a grey thumbnail :data:`STATS_HEIGHT` pixels high
        (grey levels squared): independent of resolution, low when blurred.
    """
    h, w = rgb.shape[:2]
    size = (max(1, round(w * STATS_HEIGHT / max(h, 1))), STATS_HEIGHT)
    grey = cv2.cvtColor(cv2.resize(rgb, size, interpolation=cv2.INTER_AREA),
                        cv2.COLOR_RGB2GRAY)
    return (float(np.percentile(grey, 90)),
            float(cv2.Laplacian(grey, cv2.CV_32F).var()))


def summarise_image_stats(samples: list[tuple[float, float]]) -> dict[str, Any]:
    """Median brightness and sharpness over the sampled frames, with flags."""
    if not samples:
        return {"frames_sampled": 0, "brightness_p90": None, "sharpness": None,
                "dark": False, "blurry": False}
    arr = np.asarray(samples, dtype=np.float64)
    bright, sharp = (float(np.median(arr[:, k])) for k in (0, 1))
    return {"frames_sampled": len(samples), "brightness_p90": round(bright, 1),
            "sharpness": round(sharp, 1), "dark": bright < DARK_P90,
            "blurry": sharp < BLURRY_LAPLACIAN_VAR}


def no_person_message(n_frames: int, name: str, stats: dict[str, Any]) -> str:
    """The one-line error for a video where nobody was found, with a likely reason."""
    reasons = []
    if stats.get("dark"):
        reasons.append(f"the video is very dark (90 % of pixels below grey level "
                       f"{stats['brightness_p90']:.0f} of 255)")
    if stats.get("blurry"):
        reasons.append("the video is very blurred (out of focus or motion blur)")
    why = f": {' and '.join(reasons)}" if reasons else ""
    frames_text = "the only frame" if n_frames == 1 else f"any of the {n_frames} frames"
    return f"no person detected in {frames_text} of {name}{why}"


def extract_tracks(
    reader: VideoReader,
    backend: PoseBackend,
    on_frame: ProgressCallback | None = None,
    require_person: bool = True,
    on_pose: PoseHook | None = None,
) -> Extraction:
    """Run ``backend`` on every analysed frame of ``reader``'s window; follow the subject.

    Parameters
    ----------
    reader : VideoReader
        Open video with its analysis window and frame stride.
    backend : PoseBackend
        Pose estimator; called in time order with real-time timestamps.
    on_frame : callable, optional
        Called with the number of frames processed so far, after each frame.
    require_person : bool
        Raise :class:`InputError` when no frame has a person (default).
    on_pose : callable, optional
        Called after each frame with the frame and every person found in it (the
        report's key-frame crops are collected this way, without a second decode).

    Raises
    ------
    InputError
        Undecodable video, a single frame (a still image, not a video), or no person
        in any frame (with ``require_person``).
    """
    per_frame: list[list[PoseCandidate]] = []
    times: list[float] = []
    indices: list[int] = []
    samples: list[tuple[float, float]] = []
    fps = reader.info.capture_fps / reader.stride
    every = max(1, round(fps / STATS_PER_S)) if np.isfinite(fps) else 15
    for frame in reader.frames():
        found = backend.detect(frame.rgb, round(frame.time_s * 1000.0))
        per_frame.append(found)
        if on_pose is not None and found:
            on_pose(frame, found)
        if len(times) % every == 0:
            samples.append(image_stats(frame.rgb))
        times.append(frame.time_s)
        indices.append(frame.index)
        if on_frame is not None:
            on_frame(len(times))
    stats = summarise_image_stats(samples)
    if len(times) < 2:  # says whether the window, the stride or the file left so few
        raise InputError(reader.few_frames_message(len(times)))
    time_s = np.asarray(times, dtype=np.float64)
    info = reader.info
    selection = select_subject(per_frame, time_s, info.width, info.height)
    del per_frame  # every other candidate: only the chosen ones are kept
    if require_person and all(c is None for c in selection.chosen):
        raise InputError(no_person_message(len(times), reader.path.name, stats))

    image = np.full((len(times), N_LANDMARKS, len(CHANNELS)), np.nan, dtype=np.float32)
    world = np.full((len(times), N_LANDMARKS, 3), np.nan, dtype=np.float32)
    for t, cand in enumerate(selection.chosen):
        if cand is not None:
            image[t] = cand.image
            world[t] = cand.world
    truncated = reader.decode_stopped_early or reader.decode_errors > 0
    source = backend.describe() | {
        "subject_selection": {
            "max_people_in_frame": selection.max_people,
            "frames_with_other_people": selection.frames_with_others,
            "person_tracklets": selection.n_tracklets,
        },
        "window": {"start_s": reader.start_s, "end_s": reader.end_s,
                   "stride": reader.stride, "analysis_fps": reader.analysis_fps},
        "decoding": {"stopped_early": reader.decode_stopped_early,
                     "frames_skipped": reader.decode_errors,
                     "first_error_s": reader.first_error_s},
        "image_stats": stats,
    }
    tracks = LandmarkTracks(image=image, world=world, time_s=time_s,
                            frame_index=np.asarray(indices, dtype=np.int64), video=info,
                            source=source)
    return Extraction(tracks=tracks, truncated=truncated,
                      max_people=selection.max_people,
                      frames_with_others=selection.frames_with_others)

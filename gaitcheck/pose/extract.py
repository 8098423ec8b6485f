"""Video → landmark tracks: stream frames through a pose backend and follow one subject.

Besides the landmarks, a few cheap image statistics are kept (brightness and
sharpness of a sample of frames, on a small grey thumbnail), so a report on a very dark
or blurred video says so, and a video where no one was found says why that may be.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gaitcheck.errors import InputError
from gaitcheck.landmarks import N_LANDMARKS
from gaitcheck.pose.backend import PoseBackend, PoseCandidate
from gaitcheck.pose.subject import select_subject
from gaitcheck.tracks.tracks import CHANNELS, LandmarkTracks
from gaitcheck.video._cv import cv2
from gaitcheck.video.exposure import Exposure, grey_thumbnail, peek_exposure
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
    grey = grey_thumbnail(rgb, STATS_HEIGHT)
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


@dataclass
class PosePass:
    """What the pose loop saw on a run of consecutive analysed frames, before the
    subject is chosen (the segmented pass stitches several of these into one).

    Attributes
    ----------
    candidates : list of list of PoseCandidate
        Every person found, per frame.
    time_s : list of float
        Real time of each frame, seconds from the start of the file.
    frame_index : list of int
        Index of each frame in the file.
    samples : dict
        Frame index → (brightness_p90, sharpness) of the frames sampled for
        :func:`image_stats`.
    """

    candidates: list[list[PoseCandidate]] = field(default_factory=list)
    time_s: list[float] = field(default_factory=list)
    frame_index: list[int] = field(default_factory=list)
    samples: dict[int, tuple[float, float]] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.time_s)


def stats_every(reader: VideoReader) -> int:
    """Every how many analysed frames :func:`image_stats` is sampled."""
    fps = reader.info.capture_fps / reader.stride
    return max(1, round(fps / STATS_PER_S)) if np.isfinite(fps) else 15


def run_pose(frames: Iterable[Frame], backend: PoseBackend, every: int,
             on_frame: ProgressCallback | None = None, on_pose: PoseHook | None = None,
             sample_by_index: bool = False) -> PosePass:
    """Run ``backend`` on ``frames`` in order (see :func:`extract_tracks`).

    ``every`` is the image-statistics sampling interval in analysed frames, counted from
    the first of ``frames``, or with ``sample_by_index`` on the file's frame index (so
    segments of one video sample the same frames as a single pass).
    """
    out = PosePass()
    for frame in frames:
        found = backend.detect(frame.rgb, round(frame.time_s * 1000.0))
        out.candidates.append(found)
        if on_pose is not None and found:
            on_pose(frame, found)
        if (frame.index if sample_by_index else len(out.time_s)) % every == 0:
            out.samples[frame.index] = image_stats(frame.rgb)
        out.time_s.append(frame.time_s)
        out.frame_index.append(frame.index)
        if on_frame is not None:
            on_frame(len(out.time_s))
    return out


def extract_tracks(
    reader: VideoReader,
    backend: PoseBackend,
    on_frame: ProgressCallback | None = None,
    require_person: bool = True,
    on_pose: PoseHook | None = None,
    read_ahead: int = 0,
    exposure: Exposure | None = None,
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
    read_ahead : int
        Frames decoded ahead on a thread of their own (:mod:`gaitcheck.video.readahead`:
        the same frames, decoded beside the landmarker); 0: as ``reader`` is set up.
    exposure : Exposure, optional
        The exposure correction already decided from this window's first frames (a pass
        restarted on flipped frames, :class:`gaitcheck.pose.canonical.RestartFlipped`);
        None: decided here. Whatever stops the pass is given the decision as its
        ``exposure`` attribute.

    Raises
    ------
    InputError
        Undecodable video, a single frame (a still image, not a video), or no person
        in any frame (with ``require_person``).
    """
    # A dark clip is normalised for the landmarker only (gaitcheck.video.exposure).
    source: Iterable[Frame] = reader.frames()
    if read_ahead > 0:
        from gaitcheck.video.readahead import read_ahead as decode_ahead

        source = decode_ahead(iter(source), read_ahead)
    try:
        frames: Iterable[Frame] = source
        if exposure is None:
            frames, exposure = peek_exposure(source)
        try:
            found = run_pose(frames, exposure.wrap(backend), stats_every(reader), on_frame,
                             on_pose)
        except Exception as err:  # e.g. RestartFlipped: the restart reuses the decision
            err.exposure = exposure  # type: ignore[attr-defined]
            raise
    finally:  # the decoder (and its thread) now, also when the pass is stopped early
        close = getattr(source, "close", None)
        if close is not None:
            close()
    decoding = {"stopped_early": reader.decode_stopped_early,
                "frames_skipped": reader.decode_errors,
                "first_error_s": reader.first_error_s}
    return build_extraction(found, reader, backend.describe(), decoding, require_person,
                            {"exposure": exposure.describe()})


def build_extraction(found: PosePass, reader: VideoReader, backend_info: dict[str, Any],
                     decoding: dict[str, Any], require_person: bool = True,
                     extra_source: dict[str, Any] | None = None) -> Extraction:
    """Choose the subject in ``found`` and build the tracks (see :func:`extract_tracks`).

    Parameters
    ----------
    found : PosePass
        The pose loop's output over the whole window, in time order.
    reader : VideoReader
        The video and its window (for names, sizes and the window description).
    backend_info : dict
        :meth:`PoseBackend.describe` of the backend that ran.
    decoding : dict
        ``stopped_early``, ``frames_skipped`` and ``first_error_s`` of the decode.
    require_person : bool
        Raise :class:`InputError` when no frame has a person.
    extra_source : dict, optional
        Further provenance merged into ``tracks.source`` (e.g. the segments' seams).
    """
    stats = summarise_image_stats(list(found.samples.values()))
    n = len(found)
    if n < 2:  # says whether the window, the stride or the file left so few
        raise InputError(reader.few_frames_message(n))
    time_s = np.asarray(found.time_s, dtype=np.float64)
    info = reader.info
    selection = select_subject(found.candidates, time_s, info.width, info.height)
    if require_person and all(c is None for c in selection.chosen):
        raise InputError(no_person_message(n, reader.path.name, stats))

    image = np.full((n, N_LANDMARKS, len(CHANNELS)), np.nan, dtype=np.float32)
    world = np.full((n, N_LANDMARKS, 3), np.nan, dtype=np.float32)
    for t, cand in enumerate(selection.chosen):
        if cand is not None:
            image[t] = cand.image
            world[t] = cand.world
    truncated = bool(decoding["stopped_early"]) or decoding["frames_skipped"] > 0
    source = backend_info | {
        "subject_selection": selection.describe(),
        "window": {"start_s": reader.start_s, "end_s": reader.end_s,
                   "stride": reader.stride, "analysis_fps": reader.analysis_fps},
        "decoding": dict(decoding),
        "image_stats": stats,
    } | (extra_source or {})
    tracks = LandmarkTracks(image=image, world=world, time_s=time_s,
                            frame_index=np.asarray(found.frame_index, dtype=np.int64),
                            video=info, source=source)
    return Extraction(tracks=tracks, truncated=truncated,
                      max_people=selection.max_people,
                      frames_with_others=selection.frames_with_others)

"""The analysis pipeline: video (or saved landmarks) → tracks → result → report files.

Outputs are written into one folder, each file atomically; ``report.json`` is written
last, so its presence means the run completed (:mod:`gaitcheck.report.writers`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import time
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from gaitcheck.errors import InputError
from gaitcheck.filenames import REPORT_NAME
from gaitcheck.fsio import file_sha256, prepare_output_dir
from gaitcheck.pose.backend import PoseBackend
from gaitcheck.pose.canonical import CanonicalFactory
from gaitcheck.pose.extract import Extraction
from gaitcheck.pose.heap import release_freed_memory
from gaitcheck.pose.run import Progress, WarmUp, import_mediapipe_quietly, pose_pass
from gaitcheck.report.cropspool import CropSpool
from gaitcheck.report.keyframes import CROP_SIZE
from gaitcheck.report.writers import RenderOptions, parse_formats, save_result
from gaitcheck.tracks.tracks import LandmarkTracks
from gaitcheck.validation import check_options
from gaitcheck.video.reader import VideoReader

if TYPE_CHECKING:
    from gaitcheck.result import GaitResult

#: Imported on a spare core while pose runs (scipy.signal alone takes 0.7 s), not before.
_AFTER_POSE_MODULES = ("gaitcheck.analysis", "gaitcheck.result", "gaitcheck.tracks.quality",
                       "gaitcheck.report.json_report", "gaitcheck.report.html",
                       "gaitcheck.report.csv_report", "scipy.optimize")


@dataclass(frozen=True)
class AnalyzeOptions:
    """User settings for one analysis.

    Attributes
    ----------
    start_s, end_s : float, optional
        Analysis window in the file's playback time, seconds.
    slowmo : float
        Capture fps / playback fps of slow-motion files (1 for normal video).
    model : str, optional
        Pose model name or path (see :func:`gaitcheck.pose.models.resolve_model`).
    max_people : int
        Most people the pose model tracks per frame. One (default) lets MediaPipe track
        the runner from frame to frame: faster and measurably more accurate (on the real
        treadmill clip 97 % of contacts within ±1 frame, against 71 % with two, where
        MediaPipe re-detects every frame). Use two or more when someone else is in
        view: gaitcheck then follows the main subject.
    view : str, optional
        Override of the detected camera view ("side", "side-left", "front", ...).
    setting : {"treadmill", "overground"}, optional
        Override of the detected setting.
    height_cm : float, optional
        Runner's height in cm, for vertical oscillation in cm.
    formats : tuple of str, optional
        Report formats to write besides ``report.json`` and the landmarks
        (:data:`gaitcheck.report.writers.FORMATS`); None = HTML and CSV.
    stride : int
        Analyse every Nth frame of the video (1 = all): high-fps video at a fraction
        of the pose time, event timing only as fine as the analysed frame interval.
    analysis_fps : float, optional
        Instead of ``stride``: the stride that brings the real-time frame rate closest
        to this (frames/s) without going below it.
    jobs : int, optional
        Threads sharing the pose pass, each on a time segment of the video with its own
        decoder and landmarker (:mod:`gaitcheck.pose.segments`); 1 = one pass. Default:
        ``$GAITCHECK_JOBS``, else 1 (the same landmarks on every machine; see
        :func:`gaitcheck.pose.segments.default_jobs`). Short windows and strided
        analyses use fewer.
    anonymize : bool
        Blur the runner's face in the annotated video and the key frames.
    anonymize_source : str, optional
        What decided ``anonymize`` (``"--anonymize"``, ``"database default"`` ...:
        :func:`gaitcheck.clinic.settings.anonymize_choice`), kept in ``report.json``.
    clinic, note : str, optional
        Clinic name and clinician note for ``report.pdf``.
    slowmo_auto : bool
        ``--slowmo auto``: apply the slow-motion factor the gait timing suggests when the
        evidence is firm (:func:`gaitcheck.events.slowmo_auto.decide_slowmo`), on top
        of ``slowmo``.
    keep_paths : bool
        Store the video's absolute path in ``report.json`` (``video.path``); default:
        its file name only.
    """

    start_s: float | None = None
    end_s: float | None = None
    slowmo: float = 1.0
    model: str | None = None
    max_people: int = 1
    view: str | None = None
    setting: str | None = None
    height_cm: float | None = None
    formats: tuple[str, ...] | None = None
    stride: int = 1
    analysis_fps: float | None = None
    slowmo_auto: bool = False
    jobs: int | None = None
    anonymize: bool = False
    clinic: str | None = None
    note: str | None = None
    keep_paths: bool = False
    anonymize_source: str | None = None

    @property
    def render(self) -> RenderOptions:
        """How the report files are rendered."""
        return RenderOptions(self.anonymize, self.clinic, self.note, self.anonymize_source)

    def __post_init__(self) -> None:
        # Bad numbers fail here, before a video is opened or a model loaded, with the
        # message the CLI and batch manifests give (gaitcheck.validation).
        for key, value in check_options(dataclasses.asdict(self)).items():
            object.__setattr__(self, key, value)


@dataclass(frozen=True)
class AnalysisOutput:
    """What one analysis produced.

    Attributes
    ----------
    out_dir : Path
        Folder holding every output file.
    report : dict
        The content of ``report.json``.
    tracks : LandmarkTracks
        The analysed subject's tracks.
    pose_s, total_s : float
        Wall-clock seconds of the pose pass (opening the video, loading the model,
        decoding, MediaPipe; 0 when re-analysing landmarks) and of the whole run: what
        is left is the analysis and the report writers.
    """

    out_dir: Path
    result: GaitResult
    pose_s: float
    total_s: float

    @property
    def report(self) -> dict[str, Any]:
        return self.result.report

    @property
    def tracks(self) -> LandmarkTracks:
        return self.result.tracks

    @property
    def report_path(self) -> Path:
        return self.out_dir / REPORT_NAME


#: Longest default output folder name, bytes: file systems allow 255, and the crash-safe
#: writer needs room for a staging sibling's prefix and suffix.
DEFAULT_OUT_MAX_BYTES = 180


def default_out_dir(source: Path) -> Path:
    """Default output folder: ``<video stem>_gaitcheck`` in the current directory.

    A stem too long for that (a 246-character file name) is cut at a character
    boundary and given eight hex digits of the SHA-256 of the full stem, so two long
    names that share their beginning still get different folders.
    """
    stem, suffix = Path(source).stem, "_gaitcheck"
    if len(f"{stem}{suffix}".encode()) > DEFAULT_OUT_MAX_BYTES:
        digest = hashlib.sha256(stem.encode("utf-8", "surrogateescape")).hexdigest()[:8]
        room = DEFAULT_OUT_MAX_BYTES - len(suffix) - len(digest) - 1
        cut = stem.encode("utf-8", "surrogateescape")[:room].decode("utf-8", "ignore")
        stem = f"{cut}-{digest}"
    return Path.cwd() / f"{stem}{suffix}"


def analyze_video(
    video: Path,
    out_dir: Path | None = None,
    options: AnalyzeOptions | None = None,
    progress: Progress | None = None,
    backend_factory: Callable[[AnalyzeOptions], PoseBackend] | None = None,
) -> AnalysisOutput:
    """Run pose on ``video`` and write the report folder.

    Parameters
    ----------
    video : Path
        Input video.
    out_dir : Path, optional
        Output folder; :func:`default_out_dir` by default.
    options : AnalyzeOptions, optional
        Window, slow-motion factor, model and people limit.
    progress : Progress, optional
        Progress receiver.
    backend_factory : callable, optional
        Builds the pose backend from the options (tests inject scripted backends);
        MediaPipe with the resolved model by default.

    Raises
    ------
    InputError, OutputError, ModelError
        Unusable input, unwritable output or a bad model, with a one-line message.
    """
    options = options or AnalyzeOptions()
    t0 = time.perf_counter()
    reader = VideoReader(video, options.start_s, options.end_s, options.slowmo,
                         options.stride, options.analysis_fps)
    reader.check_analysable()  # a window/stride leaving < 2 frames: say so before pose
    formats = parse_formats(options.formats)
    out = prepare_output_dir(out_dir or default_out_dir(reader.path))
    # Key frames come from foot crops kept during the pose pass: no second decode.
    with CropSpool(CROP_SIZE) if {"html", "pdf"} & set(formats) else nullcontext() as spool:
        digest = _Digest(reader.path)
        extraction = _extract(reader, options, progress, backend_factory, spool, digest)
        pose_s = time.perf_counter() - t0
        result = _result_from_extraction(extraction, options, reader, digest)
        save_result(result, out, options.formats, spool, options.render,
                    options.keep_paths)
    return AnalysisOutput(out, result.at(out), pose_s, time.perf_counter() - t0)


def run_video(
    video: Path,
    options: AnalyzeOptions | None = None,
    progress: Progress | None = None,
    backend_factory: Callable[[AnalyzeOptions], PoseBackend] | None = None,
) -> GaitResult:
    """Pose and analysis of ``video`` in memory, writing nothing (the Python API)."""
    options = options or AnalyzeOptions()
    reader = VideoReader(video, options.start_s, options.end_s, options.slowmo,
                         options.stride, options.analysis_fps)
    reader.check_analysable()  # a window/stride leaving < 2 frames: say so before pose
    digest = _Digest(reader.path)
    return _result_from_extraction(_extract(reader, options, progress, backend_factory,
                                            digest=digest), options, reader, digest)


class _Digest:
    """The video's SHA-256, computed by the warm-up thread on a core pose leaves free
    (reading and hashing a 1 GB phone video takes ~2 s) or, failing that, when asked."""

    def __init__(self, path: Path) -> None:
        self.path, self.value = path, cast("str | None", None)

    def compute(self) -> None:
        self.value = file_sha256(self.path)

    def get(self) -> str:
        return self.value or file_sha256(self.path)


def _extract(reader: VideoReader, options: AnalyzeOptions, progress: Progress | None,
             backend_factory: Callable[[AnalyzeOptions], PoseBackend] | None,
             spool: CropSpool | None = None, digest: _Digest | None = None) -> Extraction:
    """The pose pass (the crops for the key frames go to ``spool``)."""
    jobs = options.jobs if options.jobs is not None else (
        None if backend_factory is None else 1)

    def after_imports() -> None:
        _compile_html()
        if digest is not None:
            digest.compute()

    extraction = pose_pass(reader, options, progress or Progress(),
                           backend_factory or CanonicalFactory(_mediapipe_backend), jobs,
                           spool, WarmUp(_AFTER_POSE_MODULES, after_imports))
    # The closed landmarkers' and decoders' heap, freed but resident (glibc keeps freed
    # memory below the top of the heap): 100-110 MiB after a 16x clip's single pass, on
    # top of which the analysis peaked (issue 17). Given back before the analysis.
    release_freed_memory()
    return extraction


def _result_from_extraction(extraction: Extraction, options: AnalyzeOptions,
                            reader: VideoReader, digest: _Digest) -> GaitResult:
    tracks = extraction.tracks
    if not tracks.detected.any():
        raise InputError(f"no person detected in {_frames(tracks.n_frames)} of "
                         f"{reader.path.name}")
    result = build_result(tracks, options, extraction.truncated, extraction.frames_with_others)
    # Binds the report to this very video: `report --annotate` refuses another file.
    result.report["video"]["sha256"] = digest.get()
    return result


def _frames(n: int) -> str:
    """ "the only frame" or "any of the N frames": never "1 frames"."""
    return "the only frame" if n == 1 else f"any of the {n} frames"


def _compile_html() -> None:
    from gaitcheck.report.html import compiled_template

    compiled_template()


def analyze_landmarks(
    landmarks: Path,
    out_dir: Path | None = None,
    options: AnalyzeOptions | None = None,
) -> AnalysisOutput:
    """Re-analyse saved landmark tracks without running pose.

    ``out_dir`` defaults to the folder holding ``landmarks``; the window in ``options``
    (playback seconds) trims the tracks.
    """
    options = options or AnalyzeOptions()
    t0 = time.perf_counter()
    parse_formats(options.formats)
    out = prepare_output_dir(out_dir or Path(landmarks).expanduser().resolve().parent)
    result = result_from_landmarks(landmarks, options)
    save_result(result, out, options.formats, render=options.render,
                keep_paths=options.keep_paths)
    return AnalysisOutput(out, result.at(out), 0.0, time.perf_counter() - t0)


def result_from_landmarks(landmarks: Path, options: AnalyzeOptions | None = None) -> GaitResult:
    """Analysis of saved landmark tracks in memory, writing nothing."""
    from gaitcheck.tracks.io import load_tracks

    options = options or AnalyzeOptions()
    tracks = _trim(load_tracks(landmarks), options)
    if not tracks.detected.any():
        raise InputError(f"no person in {_frames(tracks.n_frames)} of {landmarks}")
    source_info = tracks.source.get("quality_inputs", {})
    return build_result(tracks, options, bool(source_info.get("truncated", False)),
                        int(source_info.get("frames_with_others", 0)))


def _trim(tracks: LandmarkTracks, options: AnalyzeOptions) -> LandmarkTracks:
    if options.start_s is None and options.end_s is None:
        return tracks
    playback = tracks.time_s * tracks.video.slowmo
    keep = np.ones(tracks.n_frames, bool)
    if options.start_s is not None:
        keep &= playback >= options.start_s - 1e-6
    if options.end_s is not None:
        keep &= playback <= options.end_s + 1e-6
    if not keep.any():
        raise InputError("no frames of the landmarks file fall inside --start/--end")
    window = (tracks.source.get("window") or {}) | {"start_s": options.start_s,
                                                     "end_s": options.end_s}
    return LandmarkTracks(tracks.image[keep], tracks.world[keep], tracks.time_s[keep],
                          tracks.frame_index[keep], tracks.video,
                          tracks.source | {"window": window})


def build_result(tracks: LandmarkTracks, options: AnalyzeOptions, truncated: bool = False,
                 frames_with_others: int = 0) -> GaitResult:
    """Quality, scene, events and metrics of ``tracks``: everything but file output.

    ``truncated`` (the video ended early) and ``frames_with_others`` (frames where other
    people were seen) feed the quality section and are kept with the tracks.
    """
    from gaitcheck.analysis import RecordingFacts, analyze_tracks
    from gaitcheck.events.slowmo_auto import apply_slowmo, decide_slowmo, slowmo_section
    from gaitcheck.report.json_report import build_report
    from gaitcheck.result import GaitResult
    from gaitcheck.tracks.quality import assess_quality
    from gaitcheck.tracks.warnings import with_severity

    quality_inputs = {"truncated": truncated, "frames_with_others": frames_with_others}
    tracks = LandmarkTracks(tracks.image, tracks.world, tracks.time_s, tracks.frame_index,
                            tracks.video, tracks.source | {"quality_inputs": quality_inputs})
    analysis_options = RecordingFacts(options.view, options.setting, options.height_cm)
    analysis = analyze_tracks(tracks, analysis_options)
    decision = decide_slowmo(analysis.events, analysis.activity, analysis.activity_confidence)
    applied = options.slowmo_auto and decision.confident
    if applied:  # re-time the tracks and analyse again: cheap, no pose
        tracks = apply_slowmo(tracks, decision.factor)
        analysis = analyze_tracks(tracks, analysis_options)
    quality = assess_quality(tracks, truncated=truncated, frames_with_others=frames_with_others)
    # Severities settled with the view (a far-side limb is expected to be poorly visible).
    quality["warnings"] = with_severity(quality["warnings"], analysis.warning_context)
    quality["warnings"] += analysis.warnings
    sections = analysis.report_sections() | {
        "slowmo": slowmo_section(tracks, options.slowmo_auto, decision, applied)}
    return GaitResult.with_cleaned(build_report(tracks, quality, {}, sections),
                                   tracks, analysis.cleaned_tracks)


def _mediapipe_backend(options: AnalyzeOptions) -> PoseBackend:
    import_mediapipe_quietly()
    from gaitcheck.pose.mediapipe_backend import MediaPipeBackend
    from gaitcheck.pose.models import resolve_model

    return MediaPipeBackend(resolve_model(options.model), max_people=options.max_people)


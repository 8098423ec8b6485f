"""Write a :class:`~gaitcheck.result.GaitResult` into its output folder.

Every file is written atomically into a staging folder that then replaces the output
folder in one step (:mod:`gaitcheck.staging`): on failure, or ``kill -9``, the folder is
the complete previous result, else the complete new one. Outputs of an earlier run that
this run does not write (an ``annotated.mp4`` when the video is not asked for) are gone;
files gaitcheck did not write are kept. The same functions serve ``analyze`` (after
pose) and ``report`` (re-rendering a saved folder without pose).
"""

from __future__ import annotations

import contextvars
import json
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gaitcheck.filenames import LANDMARKS_CSV, LANDMARKS_NPZ, REPORT_NAME
from gaitcheck.fsio import prepare_output_dir
from gaitcheck.report.json_report import write_report
from gaitcheck.staging import recover, staged_folder
from gaitcheck.tracks.io import save_tracks_csv, save_tracks_npz

if TYPE_CHECKING:
    from gaitcheck.report.cropspool import CropSpool
    from gaitcheck.result import GaitResult
    from gaitcheck.tracks.tracks import LandmarkTracks

#: Report formats: ``html`` (report.html + key frames), ``csv`` (per-frame, per-contact
#: and summary tables), ``video`` (annotated H.264 video; needs the source video),
#: ``pdf`` (report.pdf for the patient, with the key frames).
FORMATS = ("html", "csv", "video", "pdf")
DEFAULT_FORMATS = ("html", "csv")
#: Names gaitcheck writes into an analysis folder (besides those ``report.json`` lists):
#: a re-analysis replaces or removes them even when the old ``report.json`` is unreadable.
OUTPUT_NAMES = frozenset({REPORT_NAME, LANDMARKS_NPZ, LANDMARKS_CSV, "report.html",
                          "frames.csv", "contacts.csv", "metrics_summary.csv", "keyframes",
                          "annotated.mp4", "batch_job.json", "report.pdf"})


@dataclass(frozen=True)
class RenderOptions:
    """How the report files are rendered (not what is measured).

    Attributes
    ----------
    anonymize : bool
        Blur the runner's face in the annotated video and the key frames
        (:mod:`gaitcheck.privacy`).
    clinic : str, optional
        Clinic name in the PDF's page header.
    note : str, optional
        Free-text clinician note on the PDF's first page.
    anonymize_source : str, optional
        What decided ``anonymize`` (``"--anonymize"``, ``"database default"`` ...),
        stated in ``report.json`` ``privacy``.
    """

    anonymize: bool = False
    clinic: str | None = None
    note: str | None = None
    anonymize_source: str | None = None


_FIND = object()  # write_reports: look the source video up


def parse_formats(formats: Iterable[str] | None) -> tuple[str, ...]:
    """Validate format names; None gives :data:`DEFAULT_FORMATS`."""
    if formats is None:
        return DEFAULT_FORMATS
    out = tuple(dict.fromkeys(f.strip().lower() for f in formats if f.strip()))
    unknown = [f for f in out if f not in FORMATS]
    if unknown:
        from gaitcheck.errors import InputError

        raise InputError(f"unknown report format {unknown[0]!r}; choose from "
                         f"{', '.join(FORMATS)}")
    return out


def video_candidates(result: GaitResult, folder: Path | None = None) -> list[Path]:
    """Where the analysed video is looked for, in order: the recorded absolute path,
    the report folder's parent, the current folder.

    ``report.json`` records only the file name unless the analysis ran with
    ``--keep-paths``; ``folder`` is the report folder (default ``result.out_dir``).
    """
    return stored_video_candidates(result.report,
                                   folder if folder is not None else result.out_dir)


def stored_video_candidates(report: dict[str, Any], folder: Path | None) -> list[Path]:
    """:func:`video_candidates` of a ``report.json`` document in ``folder``."""
    recorded = str((report.get("video") or {}).get("path") or "")
    if not recorded or recorded.startswith("synthetic:"):
        return []
    path = Path(recorded).expanduser()
    out: list[Path] = [path] if path.is_absolute() else []
    if folder is not None:
        out.append(Path(folder).expanduser().resolve().parent / path.name)
    out.append(Path.cwd() / path.name)
    return list(dict.fromkeys(out))


def source_video(result: GaitResult, folder: Path | None = None) -> Path | None:
    """The analysed video if it is found (:func:`video_candidates`), else None."""
    return next((p for p in video_candidates(result, folder) if p.is_file()), None)


def stored_video_path(path: str, keep_paths: bool) -> str:
    """``video.path`` as ``report.json`` stores it: the file name, or with
    ``keep_paths`` the absolute path (privacy by default)."""
    if keep_paths or not path or path.startswith("synthetic:"):
        return path
    return Path(path).name


def write_reports(result: GaitResult, out_dir: Path, formats: Iterable[str] | None = None,
                  spool: CropSpool | None = None,
                  landmarks: Iterable[str] = (),
                  render: RenderOptions | None = None,
                  video: Path | object | None = _FIND) -> dict[str, str]:
    """Render the requested formats into ``out_dir`` (which must exist).

    Parameters
    ----------
    result : GaitResult
        What to render.
    out_dir : Path
        Destination folder.
    formats : iterable of str, optional
        :data:`FORMATS` to write; None gives :data:`DEFAULT_FORMATS`.
    spool : CropSpool, optional
        Foot crops of the pose pass, for the key frames; without it the video is decoded
        again for them.
    landmarks : iterable of {"npz", "csv"}
        Landmark files to write as well.
    render : RenderOptions, optional
        Face blurring and the PDF's clinic and note.
    video : Path or None, optional
        The source video (None: not available); by default :func:`source_video`.

    Returns
    -------
    dict
        Written files by role, as paths relative to ``out_dir``.

    Raises
    ------
    InputError
        The annotated video is asked for but the source video is gone (checked before
        anything is written).
    """
    wanted = parse_formats(formats)
    if video is _FIND:
        video = source_video(result)
    assert video is None or isinstance(video, Path)
    _check_video(result, wanted, video)
    render = render or RenderOptions()
    if render.anonymize:
        from gaitcheck.privacy import face_track

        # Frames with no head found near them cannot be blurred: said, not hidden.
        result.report["privacy"] = {**(result.report.get("privacy") or {}),
                                    "faces_blurred": True,
                                    "frames_without_face": face_track(result)[1]}
    if render.anonymize_source:
        # Why faces are (or, against a clinic default, are not) blurred.
        result.report["privacy"] = {"faces_blurred": False,
                                    **(result.report.get("privacy") or {}),
                                    "anonymize_source": render.anonymize_source}
    files: dict[str, str] = {}
    with ThreadPoolExecutor(max_workers=1) as pool:
        # Key frames (JPEG work in OpenCV, which releases the GIL) are made on the other
        # core while everything else is written; the copied context carries the open
        # transaction, so their files roll back with the others.
        pending = None
        if {"html", "pdf"} & set(wanted) and (video is not None or spool is not None):
            from gaitcheck.report.keyframes import extract_keyframes

            pending = pool.submit(contextvars.copy_context().run, extract_keyframes,
                                  result, video, out_dir, spool, render.anonymize)
        if "npz" in landmarks:
            save_tracks_npz(_stored_tracks(result), out_dir / LANDMARKS_NPZ)
            files["landmarks_npz"] = LANDMARKS_NPZ
        if "csv" in landmarks:
            save_tracks_csv(_stored_tracks(result), out_dir / LANDMARKS_CSV)
            files["landmarks_csv"] = LANDMARKS_CSV
        if "csv" in wanted:
            from gaitcheck.report.csv_report import write_csvs

            files |= write_csvs(result, out_dir)
        if "html" in wanted:
            from gaitcheck.report.html import write_html

            # The page lists the folder's files: everything written so far, and itself.
            result.report["files"] = {**result.report.get("files", {}), **files,
                                      "html": "report.html"}
            files |= write_html(result, out_dir, pending)
        if pending is not None:
            files |= pending.result()
    if "pdf" in wanted:
        from gaitcheck.report.pdf import write_report_pdf

        files |= write_report_pdf(result, out_dir, render.clinic, render.note)
    if "video" in wanted:
        from gaitcheck.report.annotate import write_annotated_video

        assert video is not None
        files |= write_annotated_video(result, video, out_dir, anonymize=render.anonymize)
    return files


def _stored_tracks(result: GaitResult) -> LandmarkTracks:
    """The tracks with the video path ``report.json`` stores (the file name unless
    ``--keep-paths``: :func:`save_result`), for the landmark files."""
    stored = (result.report.get("video") or {}).get("path")
    tracks = result.tracks
    if not stored or stored == tracks.video.path:
        return tracks
    return replace(tracks, video=replace(tracks.video, path=str(stored)))


def check_same_video(result: GaitResult, video: Path | None = None) -> Path:
    """Find the analysed video (``video`` if given, else :func:`source_video`) and
    refuse one other than the analysed one; returns it.

    Raises
    ------
    InputError
        The video is not found, or its SHA-256 differs from ``report.json``'s
        ``video.sha256`` (reports without one, from before schema 1.5, are not checked).
    """
    from gaitcheck.errors import InputError
    from gaitcheck.fsio import file_sha256

    if video is not None:
        video = Path(video).expanduser()
        if not video.is_file():
            raise InputError(f"video not found: {video}")
    else:
        video = source_video(result)
        _check_video(result, ("video",), video, hint="; give it with --video PATH")
    assert video is not None
    recorded = (result.report.get("video") or {}).get("sha256")
    if not recorded:
        return video
    try:
        actual = file_sha256(video)
    except OSError as err:
        raise InputError(f"cannot read the source video {video}: {err.strerror or err}") \
            from None
    if actual != recorded:
        raise InputError(f"{video} is not the video this report was made from (its "
                         "content differs): put the original back at that path, or analyse "
                         "this video with gaitcheck analyze")
    return video


def _keep_video_hash(result: GaitResult, out: Path) -> None:
    """Re-analysed landmarks know no video hash: keep the one the folder's previous
    report recorded for the same video file."""
    video = result.report.get("video")
    if not isinstance(video, dict) or video.get("sha256"):
        return
    try:
        old = json.loads((out / REPORT_NAME).read_text(encoding="utf-8"))["video"]
        if (Path(str(old.get("path"))).name == Path(str(video.get("path"))).name
                and old.get("sha256")
                and old.get("frame_count") == video.get("frame_count")):
            video["sha256"] = old["sha256"]
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        pass


def _check_video(result: GaitResult, wanted: tuple[str, ...], video: Path | None,
                 folder: Path | None = None, hint: str = "") -> None:
    if "video" in wanted and video is None:
        from gaitcheck.errors import InputError

        name = Path(str((result.report.get("video") or {}).get("path") or "")).name
        places = ", ".join(str(p.parent) for p in video_candidates(result, folder))
        raise InputError(f"the annotated video needs the source video {name or '(unknown)'}, "
                         f"which is not found (looked in: {places or 'nowhere'}){hint}")


def previous_outputs(out_dir: Path) -> set[str]:
    """Top-level names in ``out_dir`` that an earlier gaitcheck run wrote: those its
    ``report.json`` lists, and :data:`OUTPUT_NAMES`."""
    names = set(OUTPUT_NAMES)
    try:
        files = json.loads((Path(out_dir) / REPORT_NAME).read_text(encoding="utf-8"))["files"]
        names |= {Path(str(f)).parts[0] for f in files.values() if str(f).strip()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError, IndexError):
        pass  # no readable list: the fixed names still go
    return names


def save_result(result: GaitResult, out_dir: Path, formats: Iterable[str] | None = None,
                spool: CropSpool | None = None, render: RenderOptions | None = None,
                keep_paths: bool = False) -> Path:
    """Write landmarks, reports and ``report.json`` as the new content of ``out_dir``.

    ``result.report["files"]`` is updated with what was written; ``spool`` and
    ``render`` as in :func:`write_reports`. Outputs of an earlier analysis in ``out_dir``
    that this one does not write are removed with the same atomic swap; other files are
    kept. ``video.path`` is stored as the file name, or with ``keep_paths`` as the
    absolute path (:func:`stored_video_path`).
    """
    video = source_video(result, Path(out_dir))
    _check_video(result, parse_formats(formats), video, Path(out_dir))
    recover(Path(out_dir).expanduser())  # a half-done swap first: it may hold the folder
    out = prepare_output_dir(Path(out_dir))
    info = result.report.get("video")
    recorded = info.get("path") if isinstance(info, dict) else None
    if isinstance(info, dict) and recorded:
        info["path"] = stored_video_path(str(video or recorded), keep_paths)
    try:
        _keep_video_hash(result, out)
        with staged_folder(out, previous_outputs(out)) as stage:
            result.report["files"] = {}  # the HTML lists what this run writes
            files = write_reports(result, stage, formats, spool, landmarks=("npz", "csv"),
                                  render=render, video=video)
            result.report["files"] = files
            write_report(result.report, stage / REPORT_NAME)
    finally:
        if isinstance(info, dict) and recorded:
            # In memory the result keeps where its video is, for later saves.
            info["path"] = str(video) if video is not None else recorded
    return out


def rerender(result: GaitResult, formats: Iterable[str] | None = None,
             render: RenderOptions | None = None,
             video: Path | None = None) -> dict[str, str]:
    """Re-render a loaded folder (``gaitcheck report``) with the same atomic swap as
    :func:`save_result`; ``report.json`` gets the updated file list, its measurements
    unchanged, and files not re-rendered (landmarks, an earlier annotated video) stay.
    A folder once rendered with blurred faces (``privacy.faces_blurred``) stays so.

    Raises
    ------
    InputError
        The annotated video is asked for and the file at the recorded path is gone or is
        not the analysed video (content hash differs from ``report.json``'s).
    """
    assert result.out_dir is not None
    if "video" in parse_formats(formats) or video is not None:
        video = check_same_video(result, video)
    else:
        video = source_video(result)
    files = dict(result.report.get("files") or {})
    render = render or RenderOptions()
    if (result.report.get("privacy") or {}).get("faces_blurred"):
        # Stays blurred, for the reason recorded then.
        render = replace(render, anonymize=True, anonymize_source=None)
    with staged_folder(result.out_dir) as stage:
        if (render.anonymize and video is None
                and video_missing_for_keyframes(result, formats)):
            from gaitcheck.report.keyframes import anonymize_saved_keyframes

            anonymize_saved_keyframes(result, stage)
        files |= write_reports(result, stage, formats,
                               landmarks=("csv",) if "landmarks_csv" in files else (),
                               render=render, video=video)
        result.report["files"] = files
        write_report(result.report, stage / REPORT_NAME)
    return files


def video_missing_for_keyframes(result: GaitResult, formats: Iterable[str] | None) -> bool:
    """Whether a re-render keeps the saved key frames (it cannot cut them again)."""
    return bool({"html", "pdf"} & set(parse_formats(formats))) and source_video(result) is None

"""Write a :class:`~gaitcheck.result.GaitResult` into its output folder.

Every file is written atomically, all of them as one transaction (on failure the folder's
previous files come back), and ``report.json`` last, so its presence means the folder is
complete. The same function serves ``analyze`` (after pose) and ``report``
(re-rendering a saved folder without pose).
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from gaitcheck.filenames import LANDMARKS_CSV, LANDMARKS_NPZ, REPORT_NAME
from gaitcheck.fsio import prepare_output_dir, transaction
from gaitcheck.report.json_report import write_report
from gaitcheck.tracks.io import save_tracks_csv, save_tracks_npz

if TYPE_CHECKING:
    from gaitcheck.report.cropspool import CropSpool
    from gaitcheck.result import GaitResult

#: Report formats: ``html`` (report.html + key frames), ``csv`` (per-frame, per-contact
#: and summary tables), ``video`` (annotated H.264 video; needs the source video).
FORMATS = ("html", "csv", "video")
DEFAULT_FORMATS = ("html", "csv")


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


def source_video(result: GaitResult) -> Path | None:
    """The analysed video if it is still where the report says, else None."""
    path = (result.report.get("video") or {}).get("path")
    return Path(path) if path and Path(path).is_file() else None


def write_reports(result: GaitResult, out_dir: Path, formats: Iterable[str] | None = None,
                  spool: CropSpool | None = None,
                  landmarks: Iterable[str] = ()) -> dict[str, str]:
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
    video = source_video(result)
    _check_video(result, wanted, video)
    files: dict[str, str] = {}
    with ThreadPoolExecutor(max_workers=1) as pool:
        # Key frames (JPEG work in OpenCV, which releases the GIL) are made on the other
        # core while everything else is written; the copied context carries the open
        # transaction, so their files roll back with the others.
        pending = None
        if "html" in wanted and (video is not None or spool is not None):
            from gaitcheck.report.keyframes import extract_keyframes

            pending = pool.submit(contextvars.copy_context().run, extract_keyframes,
                                  result, video, out_dir, spool)
        if "npz" in landmarks:
            save_tracks_npz(result.tracks, out_dir / LANDMARKS_NPZ)
            files["landmarks_npz"] = LANDMARKS_NPZ
        if "csv" in landmarks:
            save_tracks_csv(result.tracks, out_dir / LANDMARKS_CSV)
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
    if "video" in wanted:
        from gaitcheck.report.annotate import write_annotated_video

        assert video is not None
        files |= write_annotated_video(result, video, out_dir)
    return files


def _check_video(result: GaitResult, wanted: tuple[str, ...], video: Path | None) -> None:
    if "video" in wanted and video is None:
        from gaitcheck.errors import InputError

        raise InputError("the annotated video needs the source video, which is not at "
                         f"{(result.report.get('video') or {}).get('path')}")


def save_result(result: GaitResult, out_dir: Path, formats: Iterable[str] | None = None,
                spool: CropSpool | None = None) -> Path:
    """Write landmarks, reports and finally ``report.json`` into ``out_dir``.

    ``result.report["files"]`` is updated with what was written; ``spool`` as in
    :func:`write_reports`.
    """
    _check_video(result, parse_formats(formats), source_video(result))
    out = prepare_output_dir(Path(out_dir))
    with transaction(hide=out / REPORT_NAME):  # all files or, on failure, the old ones
        result.report["files"] = {}  # the HTML lists what this run writes
        files = write_reports(result, out, formats, spool, landmarks=("npz", "csv"))
        result.report["files"] = files
        write_report(result.report, out / REPORT_NAME)
    return out


def rerender(result: GaitResult, formats: Iterable[str] | None = None) -> dict[str, str]:
    """Re-render a loaded folder in place (``gaitcheck report``); ``report.json`` is
    rewritten last with the updated file list, its measurements unchanged."""
    assert result.out_dir is not None
    files = dict(result.report.get("files") or {})
    with transaction(hide=result.out_dir / REPORT_NAME):
        files |= write_reports(result, result.out_dir, formats,
                               landmarks=("csv",) if "landmarks_csv" in files else ())
        result.report["files"] = files
        write_report(result.report, result.out_dir / REPORT_NAME)
    return files

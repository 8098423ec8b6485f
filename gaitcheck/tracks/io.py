"""Saving and loading landmark tracks: compressed NPZ (exact) and wide CSV (spreadsheets)."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np

from gaitcheck.errors import InputError
from gaitcheck.fsio import atomic_writer
from gaitcheck.landmarks import LANDMARK_NAMES
from gaitcheck.tracks.tracks import LandmarkTracks
from gaitcheck.video.info import VideoInfo

#: Version of the NPZ layout; bump when arrays or metadata change incompatibly.
TRACKS_FORMAT = "gaitcheck-tracks/1"
#: Rows formatted at a time when writing the CSV.
CSV_BLOCK = 1024


def save_tracks_npz(tracks: LandmarkTracks, path: Path) -> Path:
    """Write ``tracks`` to a compressed ``.npz`` file atomically.

    The file holds the arrays ``image``, ``world``, ``time_s``, ``frame_index`` and
    ``detected`` (per-frame flag, for readers other than gaitcheck; it is derived from
    the NaNs of ``image``) and a JSON string ``meta`` with the format tag, video
    metadata and provenance.
    """
    meta = {"format": TRACKS_FORMAT, "video": tracks.video.to_dict(), "source": tracks.source}
    with atomic_writer(Path(path), "wb") as handle:
        np.savez_compressed(
            handle,
            image=tracks.image.astype(np.float32),
            world=tracks.world.astype(np.float32),
            time_s=tracks.time_s.astype(np.float64),
            frame_index=tracks.frame_index.astype(np.int64),
            detected=tracks.detected,
            meta=np.array(json.dumps(meta)),
        )
    return Path(path)


def load_tracks(path: Path) -> LandmarkTracks:
    """Read tracks written by :func:`save_tracks_npz`.

    Raises
    ------
    InputError
        If the file is missing, not an NPZ, or not a gaitcheck tracks file.
    """
    path = Path(path).expanduser()
    if not path.is_file():
        raise InputError(f"landmarks file not found: {path}")
    # An .npz is a zip archive: anything else (a video or text renamed .npz) is said so
    # here, before numpy answers with its "allow_pickle ... unsafely" hint, which is
    # advice nobody should follow for a file of unknown origin (issue 13).
    with path.open("rb") as handle:
        if handle.read(4) != b"PK\x03\x04":
            raise InputError(f"{path.name} is not a gaitcheck landmarks file: not a NumPy .npz "
                             "archive; give the landmarks.npz (or landmarks.csv) that a "
                             "gaitcheck analysis wrote")
    try:
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
            if meta.get("format") != TRACKS_FORMAT:
                raise InputError(
                    f"{path.name} is a landmarks file of an unsupported format "
                    f"({meta.get('format')!r}; expected {TRACKS_FORMAT!r})"
                )
            return LandmarkTracks(
                image=data["image"],
                world=data["world"],
                time_s=data["time_s"],
                frame_index=data["frame_index"],
                video=VideoInfo.from_dict(meta["video"]),
                source=meta.get("source", {}),
            )
    except InputError:
        raise
    except (OSError, ValueError, KeyError, TypeError, zipfile.BadZipFile) as err:
        raise InputError(f"{path.name} is not a gaitcheck landmarks file ({err})") from err


def format_rows(table: np.ndarray, formats: list[str], newline: str = "\n") -> str:
    """Rows of a 2-D array as CSV text, one printf format per column ("%.2f", "%d").

    Cells that are not finite are left empty. A whole row is formatted by one ``%``
    operation: ~4× faster than a cell at a time.
    """
    line = ",".join(formats) + newline
    clean = np.where(np.isfinite(table), table, np.nan)
    # Only a non-finite cell can print "nan" (numbers print as digits, "." and "-").
    return "".join(line % row for row in map(tuple, clean.tolist())).replace("nan", "")


def save_tracks_csv(tracks: LandmarkTracks, path: Path) -> Path:
    """Write a wide CSV, one row per frame, that opens cleanly in a spreadsheet.

    Columns: ``frame``, ``time_s``, ``detected``, then for every landmark
    ``<name>_x_px``, ``<name>_y_px`` (pixels in the upright image, y down), ``<name>_z``
    (MediaPipe relative depth) and ``<name>_visibility``. Empty cells mean no pose.
    Formatted column by column (no cell needs quoting), several times faster than a
    csv writer per cell on a long clip.
    """
    header = ["frame", "time_s", "detected"]
    for name in LANDMARK_NAMES:
        header += [f"{name}_x_px", f"{name}_y_px", f"{name}_z", f"{name}_visibility"]
    xy = tracks.xy_px()
    formats = ["%d", "%.4f", "%d", *["%.2f", "%.2f", "%.4f", "%.3f"] * len(LANDMARK_NAMES)]
    with atomic_writer(Path(path), "w") as handle:
        handle.write(",".join(header) + "\n")
        # Blocks of rows: text for a whole long clip would take ~9 kB per frame at once.
        for a in range(0, tracks.n_frames, CSV_BLOCK):
            rows = slice(a, a + CSV_BLOCK)
            per_landmark = np.concatenate([xy[rows], tracks.image[rows, :, 2:4]], axis=2)
            table = np.column_stack([tracks.frame_index[rows], tracks.time_s[rows],
                                     tracks.detected[rows],
                                     per_landmark.reshape(len(per_landmark), -1)])
            handle.write(format_rows(table.astype(np.float64), formats))
    return Path(path)

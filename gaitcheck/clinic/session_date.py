"""A session's date when none is given: the day the video was recorded.

A clinician often analyses yesterday's recordings, so the run's own day is the last
resort. First match wins:

1. ``given``: ``--session-date`` or the manifest's ``session_date``;
2. ``video metadata``: the container's recording time, read with the ffmpeg binary the
   project already ships (imageio-ffmpeg): Apple's ``com.apple.quicktime.creationdate``
   (local time with its offset: the day at the place of filming) before the
   ``creation_time`` phones and cameras write (UTC: turned into this machine's local
   day). Zero or placeholder times (before 2000, or in the future) are ignored:
   some encoders write 1904-01-01 or 1970-01-01;
3. ``file time``: the video file's modification time (kept by most phone transfers);
4. ``run day``: today, local time.
"""

from __future__ import annotations

import datetime as _dt
import re
import subprocess
from pathlib import Path

GIVEN, METADATA, FILE_TIME, RUN_DAY = "given", "video metadata", "file time", "run day"
SOURCES = (GIVEN, METADATA, FILE_TIME, RUN_DAY)
#: Metadata keys holding the recording time, most precise first.
_KEYS = ("com.apple.quicktime.creationdate", "creation_time")
_LINE = re.compile(r"^\s*(?P<key>[\w.]+)\s*:\s*(?P<value>\S.*?)\s*$")
PROBE_TIMEOUT_S = 20.0
EARLIEST = _dt.date(2000, 1, 1)


def metadata_times(video: Path) -> dict[str, str]:
    """Recording-time tags of ``video`` as ffmpeg prints them (first of each key).

    Empty when ffmpeg is missing, times out or the file has none.
    """
    try:
        import imageio_ffmpeg

        exe = imageio_ffmpeg.get_ffmpeg_exe()
        # Without an output ffmpeg prints the input's description and exits 1.
        run = subprocess.run([exe, "-hide_banner", "-nostdin", "-i", str(video)],
                             capture_output=True, timeout=PROBE_TIMEOUT_S, check=False)
    except (ImportError, OSError, RuntimeError, subprocess.TimeoutExpired):
        return {}
    found: dict[str, str] = {}
    for line in run.stderr.decode("utf-8", "replace").splitlines():
        match = _LINE.match(line)
        if match and match["key"] in _KEYS:
            found.setdefault(match["key"], match["value"])
    return found


def _plausible(day: _dt.date, today: _dt.date) -> bool:
    return EARLIEST <= day <= today + _dt.timedelta(days=1)


def metadata_date(video: Path, today: _dt.date | None = None) -> _dt.date | None:
    """Return the recording day from the container's metadata, or None."""
    today = today or _dt.date.today()
    for key, text in sorted(metadata_times(video).items(), key=lambda kv: _KEYS.index(kv[0])):
        try:
            when = _dt.datetime.fromisoformat(text)
        except ValueError:
            continue
        if when.tzinfo is not None and key == "creation_time":
            when = when.astimezone()  # UTC → this machine's local day
        if _plausible(when.date(), today):
            return when.date()
    return None


def file_date(path: Path, today: _dt.date | None = None) -> _dt.date | None:
    """Return the local day of ``path``'s modification time, or None."""
    try:
        day = _dt.datetime.fromtimestamp(Path(path).stat().st_mtime).date()
    except (OSError, ValueError, OverflowError):
        return None
    return day if _plausible(day, today or _dt.date.today()) else None


def session_date(given: _dt.date | None, video: Path | None
                 ) -> tuple[_dt.date, str]:
    """Return the session's date and where it came from (one of :data:`SOURCES`).

    Parameters
    ----------
    given : date, optional
        The date the user gave.
    video : Path, optional
        The recorded video (None when unknown, e.g. a landmarks re-analysis whose video
        is gone).
    """
    if given is not None:
        return given, GIVEN
    today = _dt.date.today()
    if video is not None and Path(video).is_file():
        day = metadata_date(video, today)
        if day is not None:
            return day, METADATA
        day = file_date(video, today)
        if day is not None:
            return day, FILE_TIME
    return today, RUN_DAY

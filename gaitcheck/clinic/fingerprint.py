"""Camera fingerprint of a session, and whether two sessions were filmed alike.

Angles measured in 2D change with the camera: a camera at knee height or two metres
away from where it stood last time shifts trunk lean and knee angles by degrees,
more than most rehab changes. Each session therefore stores how it was filmed:

- ``view``, ``facing`` and ``setting`` (treadmill / overground), as detected;
- ``fps`` (analysed frames per real-time second) and ``width`` × ``height`` in pixels;
- ``camera_height_legs``: camera height above the ground in the runner's leg lengths
  (1.0 ≈ hip height), assuming a level camera: a level pinhole camera sees the point at
  its own height on the image's middle row, so ``(ground row − middle row) / leg length
  in pixels``. A tilted camera biases it; comparing sessions, a difference still means
  the camera moved or tilted;
- ``frame_height_legs``: image height in leg lengths at the runner's distance,
  proportional to camera distance for one phone and zoom (3 m away with a phone's main
  camera in portrait is about 4-5 leg lengths).
"""

from __future__ import annotations

import contextlib
import math
import warnings
from pathlib import Path
from typing import Any

#: Sessions whose fingerprints differ beyond these are flagged as filmed differently.
MAX_HEIGHT_DIFF_LEGS = 0.3  # about 25 cm for a runner with 85-cm legs
MAX_DISTANCE_RATIO = 1.35  # one third nearer or farther
MAX_FPS_RATIO = 1.5  # 30 vs 60 fps: event timing differs by a frame interval
_HIP, _KNEE, _ANKLE = (23, 24), (25, 26), (27, 28)
_FEET = (27, 28, 29, 30, 31, 32)


def _finite(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def _geometry(landmarks: Path, width: float, height: float) -> dict[str, float]:
    """Camera height and frame height in leg lengths, from the saved landmark tracks."""
    import numpy as np

    from gaitcheck.tracks.io import load_tracks

    tracks = load_tracks(landmarks)
    xy = np.asarray(tracks.image[..., :2], dtype=np.float64) * np.array([width, height])
    leg = np.zeros(len(xy))
    for hip, knee, ankle in zip(_HIP, _KNEE, _ANKLE, strict=True):
        leg = leg + 0.5 * (np.linalg.norm(xy[:, knee] - xy[:, hip], axis=-1)
                           + np.linalg.norm(xy[:, ankle] - xy[:, knee], axis=-1))
    with warnings.catch_warnings():  # frames without feet are NaN, and skipped
        warnings.simplefilter("ignore", RuntimeWarning)
        leg_px = float(np.nanmedian(leg))
        # The lowest foot point per frame lies on the ground in stance; the 90th
        # percentile over frames skips the flight phases (image y grows downwards).
        ground = float(np.nanpercentile(np.nanmax(xy[:, _FEET, 1], axis=1), 90))
    if not (math.isfinite(leg_px) and leg_px > 1 and math.isfinite(ground)):
        return {}
    return {"camera_height_legs": round((ground - height / 2) / leg_px, 2),
            "frame_height_legs": round(height / leg_px, 2)}


def camera_fingerprint(report: dict[str, Any], report_dir: Path | None = None
                       ) -> dict[str, Any]:
    """How a session was filmed, from its ``report.json`` (and ``landmarks.npz``).

    Returns
    -------
    dict
        ``view``, ``facing``, ``setting``, ``fps``, ``width``, ``height`` and, when the
        landmarks are at hand, ``camera_height_legs`` and ``frame_height_legs`` (see the
        module docstring); absent values are None.
    """
    video = report.get("video") or {}
    view = report.get("view") or {}
    window = video.get("analysis_window") or {}
    fps = _finite(video.get("capture_fps")) or _finite(video.get("fps"))
    stride = _finite(window.get("stride")) or 1.0
    width, height = _finite(video.get("width")), _finite(video.get("height"))
    fingerprint: dict[str, Any] = {
        "view": view.get("value"), "facing": view.get("facing"),
        "setting": (report.get("setting") or {}).get("value"),
        "fps": round(fps / stride, 2) if fps else None,
        "width": int(width) if width else None, "height": int(height) if height else None,
        "camera_height_legs": None, "frame_height_legs": None,
    }
    name = (report.get("files") or {}).get("landmarks_npz")
    if report_dir is not None and name and width and height:
        with contextlib.suppress(Exception):  # a fingerprint never fails a session
            fingerprint |= _geometry(Path(report_dir) / name, width, height)
    return fingerprint


def filming_differences(a: dict[str, Any] | None, b: dict[str, Any] | None) -> list[str]:
    """List why sessions filmed as ``a`` and ``b`` should not be compared.

    Plain words; empty when they are comparable as far as the fingerprints tell.
    """
    a, b = a or {}, b or {}
    notes = []
    for key, what in (("view", "view"), ("facing", "running direction"),
                      ("setting", "setting")):
        if a.get(key) and b.get(key) and a[key] != b[key]:
            notes.append(f"{what} {a[key]} vs {b[key]}")
    ha, hb = _finite(a.get("camera_height_legs")), _finite(b.get("camera_height_legs"))
    if ha is not None and hb is not None and abs(ha - hb) > MAX_HEIGHT_DIFF_LEGS:
        notes.append(f"camera height {ha:.2f} vs {hb:.2f} leg lengths")
    da, db = _finite(a.get("frame_height_legs")), _finite(b.get("frame_height_legs"))
    if da and db and max(da, db) / min(da, db) > MAX_DISTANCE_RATIO:
        notes.append(f"camera distance differs (frame {da:.1f} vs {db:.1f} leg lengths "
                     "high)")
    fa, fb = _finite(a.get("fps")), _finite(b.get("fps"))
    if fa and fb and max(fa, fb) / min(fa, fb) > MAX_FPS_RATIO:
        notes.append(f"frame rate {fa:g} vs {fb:g} fps")
    return notes

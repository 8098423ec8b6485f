"""Key frames: a cropped still of the foot at initial contacts, for the HTML report.

The crops come from the foot regions spooled during the pose pass
(:mod:`gaitcheck.report.cropspool`), so the video is not decoded again; when there is no
spool (``gaitcheck report DIR``, ``GaitResult.save``) or it lacks a frame, the video is
decoded once, frame by frame, keeping only the chosen frames long enough to crop them, so
memory does not grow with the video's length. The crops and their index
(``keyframes/keyframes.json``) stay in the output folder, so ``gaitcheck report DIR``
re-renders the page without the video.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from gaitcheck.errors import InputError
from gaitcheck.fsio import make_dirs, remove, write_bytes_atomic, write_text_atomic
from gaitcheck.landmarks import LM
from gaitcheck.privacy import FaceEllipse, blur_face, face_track
from gaitcheck.video._cv import cv2
from gaitcheck.video.reader import VideoReader

if TYPE_CHECKING:
    from gaitcheck.report.cropspool import CropSpool
    from gaitcheck.result import GaitResult

KEYFRAMES_DIR = "keyframes"
INDEX_NAME = "keyframes.json"
#: At most this many crops, spread evenly over the clip.
MAX_CROPS = 24
#: Longer side of a saved crop, pixels.
CROP_SIZE = 320
#: Crop files are named ``ic_<contact number>_<side>.jpg``; only such files are ever
#: replaced or removed in the folder.
CROP_NAME = re.compile(r"^ic_\d{3,}_(left|right)\.jpg$")
_FOOT = ("heel", "foot_index", "ankle")
_BGR = {"left": (178, 114, 0), "right": (0, 94, 213)}  # the report's side colours


def chosen_contacts(contacts: list[dict[str, Any]], cap: int = MAX_CROPS) -> list[int]:
    """Indices of at most ``cap`` contacts, evenly spread over the list."""
    if len(contacts) <= cap:
        return list(range(len(contacts)))
    return sorted({round(i) for i in np.linspace(0, len(contacts) - 1, cap)})


def foot_box(points: np.ndarray, width: int, height: int,
             margin: float = 0.6) -> tuple[int, int, int, int] | None:
    """Square crop box ``(x0, y0, x1, y1)`` around foot landmarks, in pixels.

    Parameters
    ----------
    points : ndarray (k, 2)
        Heel, foot_index and ankle in pixels (NaN rows ignored).
    width, height : int
        Frame size; the box is shifted (not shrunk) to stay inside when it can.
    margin : float
        Extra room on each side, as a fraction of the foot's extent.

    Returns
    -------
    tuple of int or None
        None when fewer than two landmarks are known.
    """
    pts = points[np.isfinite(points).all(axis=1)]
    if len(pts) < 2:
        return None
    (x0, y0), (x1, y1) = pts.min(axis=0), pts.max(axis=0)
    # A foot seen end-on is a dot; keep enough of the frame to show the shoe and ground.
    side = max(x1 - x0, y1 - y0, 0.04 * max(width, height)) * (1 + 2 * margin)
    side = min(side, width, height)
    cx, cy, side = float(x0 + x1) / 2, float(y0 + y1) / 2, float(side)
    left = round(min(max(cx - side / 2, 0.0), width - side))
    top = round(min(max(cy - side / 2, 0.0), height - side))
    return left, top, left + round(side), top + round(side)


def _foot_points(result: GaitResult, row: int, side: str) -> np.ndarray:
    """Normalised (x, y) of the foot landmarks at ``row``: cleaned tracks (legs already
    relabelled, so the side matches the event), raw tracks where cleaning left a gap."""
    idx = [LM[f"{side}_{p}"] for p in _FOOT]
    pts = result.cleaned.image[row, idx, :2].astype(float)
    raw = result.tracks.image[row, idx, :2].astype(float)
    return np.where(np.isfinite(pts), pts, raw)


def _crop(rgb: np.ndarray, norm_pts: np.ndarray, side: str,
          face: FaceEllipse | None = None) -> np.ndarray | None:
    """The key frame from a decoded RGB frame; ``face`` (frame pixels) is blurred."""
    h, w = rgb.shape[:2]
    px = norm_pts * np.array([w, h], dtype=float)
    box = foot_box(px, w, h)
    if box is None:
        return None
    x0, y0, x1, y1 = box
    bgr = cv2.cvtColor(rgb[y0:y1, x0:x1], cv2.COLOR_RGB2BGR)
    return _blurred(_finish(bgr, px - (x0, y0), side), face, box)


def _crop_spooled(spool: CropSpool, frame: int, norm_pts: np.ndarray, side: str,
                  size: tuple[int, int], face: FaceEllipse | None = None
                  ) -> np.ndarray | None:
    """The key frame from the pose pass' crop of ``frame`` (None if it has none)."""
    w, h = size
    px = norm_pts * np.array([w, h], dtype=float)
    box = foot_box(px, w, h)
    found = spool.region(frame, box) if box is not None else None
    if found is None:
        return None
    patch, scale = found
    return _blurred(_finish(patch, (px - box[:2]) * scale, side), face, box)


def _blurred(crop: np.ndarray, face: FaceEllipse | None,
             box: tuple[int, int, int, int]) -> np.ndarray:
    """``crop`` of frame region ``box`` with the part of ``face`` it holds blurred: the
    foot crop of a small or crouching runner can reach the face."""
    if face is not None:
        blur_face(crop, face.moved(box[0], box[1], max(crop.shape[:2]) /
                                   max(box[2] - box[0], box[3] - box[1])))
    return crop


def anonymize_saved_keyframes(result: GaitResult, out_dir: Path) -> int:
    """Blur the face in the key frames already in ``out_dir/keyframes`` (a re-render
    with ``--anonymize`` whose video is gone): the crop boxes are recomputed from the
    landmarks as when the crops were cut.

    Returns
    -------
    int
        Key frames rewritten (those that hold part of the face).
    """
    index_path = Path(out_dir) / KEYFRAMES_DIR / INDEX_NAME
    try:
        index = json.loads(index_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return 0
    if index.get("faces_blurred"):
        return 0
    faces = face_track(result)[0]
    w, h = result.tracks.video.width, result.tracks.video.height
    done = 0
    for e in index.get("keyframes") or []:
        name = str(e.get("file", ""))
        path = index_path.parent / name
        img = cv2.imread(str(path)) if CROP_NAME.match(name) and path.is_file() else None
        side = e.get("side")
        if img is None or side not in ("left", "right"):
            continue
        row = round(result.row_of_frame(float(e.get("frame", 0.0))))
        px = _foot_points(result, row, side) * np.array([w, h], dtype=float)
        box = foot_box(px, w, h)
        if box is None:
            continue
        face = faces[row]
        scale = max(img.shape[:2]) / max(box[2] - box[0], box[3] - box[1])
        if face is None or not blur_face(img, face.moved(box[0], box[1], scale)):
            continue  # the face is not in this crop: the file stays as it is
        ok, jpeg = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 85])
        if ok:
            write_bytes_atomic(path, jpeg.tobytes())
            done += 1
    index["faces_blurred"] = True
    write_text_atomic(index_path, json.dumps(index, indent=2) + "\n")
    return done


def _finish(bgr: np.ndarray, px: np.ndarray, side: str) -> np.ndarray:
    """Resize a BGR foot region to :data:`CROP_SIZE` and draw the heel→toe line.

    ``px`` holds the foot landmarks (heel, foot_index, ankle) in ``bgr``'s pixels.
    """
    bgr = np.ascontiguousarray(bgr)
    scale = CROP_SIZE / max(bgr.shape[:2])
    interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
    bgr = cv2.resize(bgr, (round(bgr.shape[1] * scale), round(bgr.shape[0] * scale)),
                     interpolation=interp)
    # Heel and toe as the analysis saw them: the line is the measured foot angle.
    heel, toe = (px[i] * scale for i in (0, 1))
    if np.isfinite(heel).all() and np.isfinite(toe).all():
        pts = [(round(float(p[0])), round(float(p[1]))) for p in (heel, toe)]
        # A white halo keeps the line visible on a shoe of the same colour.
        for colour, width in (((255, 255, 255), 6), (_BGR[side], 3)):
            cv2.line(bgr, pts[0], pts[1], colour, width, cv2.LINE_AA)
            for p in pts:
                cv2.circle(bgr, p, width + 1, colour, -1, cv2.LINE_AA)
    return bgr


def extract_keyframes(result: GaitResult, video: Path | None, out_dir: Path,
                      spool: CropSpool | None = None, anonymize: bool = False
                      ) -> dict[str, str]:
    """Save a crop of the contacting foot at (up to :data:`MAX_CROPS`) initial contacts.

    Parameters
    ----------
    result : GaitResult
        The analysis (events and tracks).
    video : Path, optional
        The analysed video, decoded for the crops ``spool`` cannot serve.
    out_dir : Path
        Output folder; crops and ``keyframes.json`` go to ``out_dir/keyframes/``.
    spool : CropSpool, optional
        Foot crops collected during the pose pass (no second decode when it has them).
    anonymize : bool
        Blur whatever part of the runner's face a crop holds (:mod:`gaitcheck.privacy`).

    Returns
    -------
    dict
        ``{"keyframes": "keyframes/keyframes.json"}``. The index lists ``file``,
        ``time_s``, ``frame``, ``side``, ``strike``, ``strike_inferred`` and
        ``foot_angle_deg`` per crop; when the video cannot be decoded it lists what the
        spool had and ``note`` says why (the report is still written).
    """
    folder = make_dirs(Path(out_dir) / KEYFRAMES_DIR)
    contacts = list(result.events.get("contacts") or [])
    chosen = chosen_contacts(contacts)
    faces = face_track(result)[0] if anonymize else None
    crops: dict[int, np.ndarray] = {}
    if spool is not None and spool.frame_size is not None:
        for k in chosen:
            c = contacts[k]
            row = round(result.row_of_frame(c["frame"]))
            crop = _crop_spooled(spool, int(result.tracks.frame_index[row]),
                                 _foot_points(result, row, c["side"]), c["side"],
                                 spool.frame_size, faces[row] if faces else None)
            if crop is not None:
                crops[k] = crop
    note = None
    missing = [k for k in chosen if k not in crops]
    if missing and video is not None:
        try:
            crops |= _crops_from_video(result, video, contacts, missing, faces)
        except InputError as err:
            note = f"the video could not be read for key frames: {err}"
    entries = []
    for k, crop in crops.items():
        ok, jpeg = cv2.imencode(".jpg", crop, [cv2.IMWRITE_JPEG_QUALITY, 85])
        if not ok:
            continue
        c = contacts[k]
        name = f"ic_{k:03d}_{c['side']}.jpg"
        write_bytes_atomic(folder / name, jpeg.tobytes())
        entries.append({"file": name, "time_s": c["time_s"], "frame": c["frame"],
                        "side": c["side"], "strike": c.get("strike"),
                        "strike_inferred": bool(c.get("strike_inferred")),
                        "foot_angle_deg": c.get("foot_angle_deg")})
    entries.sort(key=lambda e: e["frame"])
    keep = {e["file"] for e in entries}
    for old in folder.iterdir():
        if CROP_NAME.match(old.name) and old.name not in keep:
            remove(old)
    index = {"video": Path(video).name if video is not None else None,
             "keyframes": entries, "note": note, "faces_blurred": anonymize}
    write_text_atomic(folder / INDEX_NAME, json.dumps(index, indent=2) + "\n")
    return {"keyframes": f"{KEYFRAMES_DIR}/{INDEX_NAME}"}


#: A frame more than this far (file time, s) past the decoder's position is reached by
#: seeking (FFmpeg decodes from the key frame before it: at most one group of pictures,
#: which encoders keep under 10 s) rather than by decoding everything in between.
SEEK_GAP_S = 10.0


def _crops_from_video(result: GaitResult, video: Path, contacts: list[dict[str, Any]],
                      chosen: list[int], faces: list[FaceEllipse | None] | None = None
                      ) -> dict[int, np.ndarray]:
    """Decode the frames of the chosen contacts from ``video`` and crop them.

    Frames are matched by their presentation time. Decoding runs forward from the start,
    or from a seek when the next frame wanted is over :data:`SEEK_GAP_S` ahead (the
    spool usually misses only a few crops, which in a long video may all be late); a
    frame a seek does not deliver is taken from a decode from the start.
    """
    tracks = result.tracks
    fps = tracks.video.fps if np.isfinite(tracks.video.fps) else 30.0
    tol = 0.25 / fps
    targets: dict[float, list[int]] = {}
    for k in chosen:
        row = round(result.row_of_frame(contacts[k]["frame"]))
        t_file = float(tracks.time_s[row]) * tracks.video.slowmo  # the frame's file time
        targets.setdefault(t_file, []).append(k)
    crops: dict[int, np.ndarray] = {}

    def crop_contacts(rgb: np.ndarray, keys: list[int]) -> None:
        for k in keys:
            c = contacts[k]
            row = round(result.row_of_frame(c["frame"]))
            crop = _crop(rgb, _foot_points(result, row, c["side"]), c["side"],
                         faces[row] if faces else None)
            if crop is not None:
                crops[k] = crop

    def decode(times: list[float], seek: bool) -> list[float]:
        """Crop the frames at ``times`` (ascending); return those not delivered.

        Raises
        ------
        InputError
            The video cannot be decoded from the start (``seek`` False).
        """
        missed: list[float] = []
        frames: Any = None
        position = -np.inf
        try:
            for t_file in times:
                if frames is None or (seek and t_file - position > SEEK_GAP_S):
                    if frames is not None:
                        frames.close()
                    far = seek and t_file > SEEK_GAP_S
                    start = max(0.0, t_file - 0.5 / fps) if far else None
                    frames = VideoReader(video, start).frames(
                        seek_s=max(0.0, t_file - 1.0) if far else None)
                for frame in frames:
                    position = frame.time_s
                    if position > t_file - tol:
                        break
                if abs(position - t_file) < tol:
                    crop_contacts(frame.rgb, targets[t_file])
                else:
                    missed.append(t_file)
        except InputError:
            if not seek:
                raise  # the video cannot be read: extract_keyframes says so in its note
            missed += [t for t in times if t > position + tol and t not in missed]
        finally:
            if frames is not None:
                frames.close()
        return missed

    missed = decode(sorted(targets), seek=True)
    if missed:
        decode(missed, seek=False)
    return crops

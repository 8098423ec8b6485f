"""Face blurring for ``--anonymize``: the head landmarks locate the face in every image
gaitcheck writes (annotated video frames, key frames).

The face region is an ellipse around the head landmarks (nose, eyes, ears, mouth: indices
0–10 of the BlazePose skeleton) scaled by the head's size, so it covers the whole head
from chin to crown whatever the view: the landmarks sit between chin and brow, so the
ellipse is centred a little above their centroid and reaches well past them. Inside it
the image is pixelated into blocks a fifth of the head size and then Gaussian-blurred:
no feature finer than the blocks survives, which is what recognition needs. Outside the
ellipse no pixel changes.

Frames where the head was not found borrow the ellipse of the nearest frame with one
(within :data:`HOLD_S`): a blur a little off target protects more than none. Where no
head is known at all nothing can be blurred; the report then says how many frames that
affected (:func:`face_track` returns the count).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from gaitcheck.landmarks import LM
from gaitcheck.video._cv import cv2

if TYPE_CHECKING:
    from gaitcheck.result import GaitResult

#: Head landmarks: nose, eyes (inner, centre, outer), ears, mouth corners.
HEAD = tuple(range(LM["mouth_right"] + 1))
#: Semi-axes of the face ellipse in head sizes (largest distance between two head
#: landmarks: nose to ear from the side, ear to ear from the front) and how far above the
#: landmarks' centroid it is centred. From the side the head is about twice the nose–ear
#: distance long and 2.3 times high; from the front 1.1 ear widths wide and 1.6 high.
SEMI_AXES = (1.05, 1.3)
LIFT = 0.3
#: Shift of the centre towards the ears, as a fraction of the nose → ears offset.
BACK_SHIFT = 0.25
#: Head size at least this fraction of the shoulder–hip length (one or two landmarks
#: found give no size of their own).
MIN_HEAD_OF_TORSO = 0.2
#: A frame without a head takes the ellipse of a frame at most this far away, seconds.
HOLD_S = 0.5
#: Visibility below which a head landmark is not used.
MIN_VISIBILITY = 0.2


@dataclass(frozen=True)
class FaceEllipse:
    """A face region in pixels: centre ``(cx, cy)``, semi-axes ``(ax, ay)``."""

    cx: float
    cy: float
    ax: float
    ay: float

    @property
    def head_px(self) -> float:
        """Head size this ellipse was made for, pixels."""
        return self.ax / SEMI_AXES[0]

    def moved(self, dx: float, dy: float, scale: float = 1.0) -> FaceEllipse:
        """The ellipse in a cropped (``dx, dy`` = crop origin) and rescaled image."""
        return FaceEllipse((self.cx - dx) * scale, (self.cy - dy) * scale, self.ax * scale,
                           self.ay * scale)


def head_ellipse(points_px: np.ndarray, visibility: np.ndarray | None = None
                 ) -> FaceEllipse | None:
    """The face ellipse of one pose.

    Parameters
    ----------
    points_px : ndarray (33, 2)
        Landmark pixels (x right, y down); NaN where unknown.
    visibility : ndarray (33,), optional
        Landmark visibility 0–1; head points below :data:`MIN_VISIBILITY` are ignored.

    Returns
    -------
    FaceEllipse or None
        None when no head landmark is known.
    """
    pts = np.asarray(points_px, float)[:, :2]
    head = pts[list(HEAD)]
    ok = np.isfinite(head).all(axis=1)
    if visibility is not None:
        ok &= np.nan_to_num(np.asarray(visibility, float)[list(HEAD)], nan=0.0) >= MIN_VISIBILITY
    if not ok.any():
        return None
    head = head[ok]
    size = float(np.max(np.linalg.norm(head[:, None] - head[None], axis=-1)))
    torso = [pts[LM[a]] - pts[LM[b]] for a, b in (("left_shoulder", "left_hip"),
                                                   ("right_shoulder", "right_hip"))]
    lengths = [float(np.hypot(*t)) for t in torso if np.isfinite(t).all()]
    if lengths:
        size = max(size, MIN_HEAD_OF_TORSO * float(np.mean(lengths)))
    if not math.isfinite(size) or size <= 0:
        return None
    cx, cy = (head.min(axis=0) + head.max(axis=0)) / 2
    # The skull reaches further behind the ears than the nose is in front of the eyes:
    # from the side, move the centre from the face towards the ears.
    ears = pts[[LM["left_ear"], LM["right_ear"]]]
    ears = ears[np.isfinite(ears).all(axis=1)]
    nose = pts[LM["nose"]]
    if len(ears) and np.isfinite(nose).all() and (visibility is None or ok[0]):
        cx += BACK_SHIFT * float(ears[:, 0].mean() - nose[0])
    return FaceEllipse(float(cx), float(cy - LIFT * size), SEMI_AXES[0] * size,
                       SEMI_AXES[1] * size)


def blur_face(img: np.ndarray, face: FaceEllipse | None) -> bool:
    """Pixelate and blur ``face`` in ``img`` (H, W, 3 uint8, any channel order), in place.

    Returns
    -------
    bool
        Whether any pixel of the ellipse lies in the image.
    """
    if face is None:
        return False
    h, w = img.shape[:2]
    x0, x1 = max(math.floor(face.cx - face.ax), 0), min(math.ceil(face.cx + face.ax) + 1, w)
    y0, y1 = max(math.floor(face.cy - face.ay), 0), min(math.ceil(face.cy + face.ay) + 1, h)
    if x1 <= x0 or y1 <= y0:
        return False
    region = img[y0:y1, x0:x1]
    block = max(3, round(face.head_px / 5))
    small = cv2.resize(region, (max(1, (x1 - x0) // block), max(1, (y1 - y0) // block)),
                       interpolation=cv2.INTER_AREA)
    coarse = cv2.resize(small, (x1 - x0, y1 - y0), interpolation=cv2.INTER_NEAREST)
    coarse = cv2.GaussianBlur(coarse, (0, 0), max(1.0, block / 2))
    mask = np.zeros((y1 - y0, x1 - x0), np.uint8)
    # Sub-pixel centre (shift 4 bits): the mask matches the ellipse exactly.
    cv2.ellipse(mask, (round((face.cx - x0) * 16), round((face.cy - y0) * 16)),
                (round(face.ax * 16), round(face.ay * 16)), 0, 0, 360, 255, -1,
                cv2.LINE_8, 4)
    inside = mask > 0
    if not inside.any():
        return False
    region[inside] = coarse[inside]
    return True


def face_track(result: GaitResult, hold_s: float = HOLD_S
               ) -> tuple[list[FaceEllipse | None], int]:
    """The face ellipse of every analysed frame (rows of ``result.tracks``), in pixels
    of the video frame.

    Cleaned landmarks are used, the raw ones where cleaning left a gap; rows without a
    head take the nearest row with one within ``hold_s`` seconds.

    Returns
    -------
    list of FaceEllipse or None
        One per row.
    int
        Rows left without an ellipse (no head known near them).
    """
    tracks = result.tracks
    size = np.array([tracks.video.width, tracks.video.height], float)
    clean = result.cleaned.image[..., :2].astype(float)
    raw = tracks.image[..., :2].astype(float)
    pts = np.where(np.isfinite(clean), clean, raw) * size
    vis = tracks.image[..., 3].astype(float) if tracks.image.shape[-1] > 3 else None
    own = [head_ellipse(pts[i], None if vis is None else vis[i]) if tracks.detected[i]
           else None for i in range(tracks.n_frames)]
    have = np.array([e is not None for e in own])
    if not have.any():
        return own, len(own)
    times = np.asarray(tracks.time_s, float)
    idx = np.flatnonzero(have)
    out: list[FaceEllipse | None] = []
    for i, e in enumerate(own):
        if e is None:
            j = idx[np.argmin(np.abs(times[idx] - times[i]))]
            e = own[j] if abs(times[j] - times[i]) <= hold_s else None
        out.append(e)
    return out, sum(e is None for e in out)

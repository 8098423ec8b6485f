"""What the pose model itself does to the foot angle at contact (issue 14's two open
foot items), measured so that a better model, or a fix, shows up as a failing test.

- Mirror: on the real treadmill clip the model reads the near foot, in the frame before a
  labelled contact, much flatter when the same pixels are mirrored. The consistency
  suite's mirror change of the foot angle (6.6°) is that, not a reading of the landmarks
  (``benchmarks/foot_mirror.py`` splits it: near foot −9.9° from the landmarks at the
  same time, far foot −6.7° from its IC found 0.9 frame later and +5.6° from its
  flat-foot reference).
- Forefoot render: the model reads the airborne toes-down foot close to its true angle
  but the flat foot at mid-stance about 8° toes-down, so against the flat-foot reference
  a −10° forefoot strike reads near 0° (midfoot).
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from gaitcheck.landmarks import LM
from helpers import shared_video


def _image_landmarker():
    import mediapipe as mp
    from mediapipe.tasks.python import BaseOptions
    from mediapipe.tasks.python.vision import (
        PoseLandmarker,
        PoseLandmarkerOptions,
        RunningMode,
    )

    from gaitcheck.pose.models import resolve_model

    options = PoseLandmarkerOptions(
        base_options=BaseOptions(model_asset_buffer=resolve_model(None).path.read_bytes()),
        running_mode=RunningMode.IMAGE)
    landmarker = PoseLandmarker.create_from_options(options)

    def detect(rgb: np.ndarray) -> np.ndarray:
        """Landmark pixels (33, 2) of the one person in ``rgb``."""
        image = mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(rgb))
        found = landmarker.detect(image).pose_landmarks
        assert found, "no person found"
        return np.array([[p.x, p.y] for p in found[0]]) * (rgb.shape[1], rgb.shape[0])

    return landmarker, detect


def _toes_up_deg(px: np.ndarray, side: str) -> float:
    """heel → foot_index angle of a runner facing image-left, toes-up positive, deg."""
    heel, toe = px[LM[f"{side}_heel"]], px[LM[f"{side}_foot_index"]]
    return float(np.degrees(np.arctan2(heel[1] - toe[1], heel[0] - toe[0])))


@pytest.mark.slow
def test_model_reads_the_mirrored_near_foot_flatter_on_the_real_clip() -> None:
    from gaitcheck.video._cv import cv2

    video = shared_video("treadmill_side_30fps.mp4")
    labels = json.loads(video.with_suffix(".truth.json").read_text())["contacts"]["list"]
    # The last airborne frame of the first six near-foot (left) contacts.
    frames = [lab["frame"] - 1 for lab in labels if lab["foot"] == "near"][:6]
    landmarker, detect = _image_landmarker()
    cap = cv2.VideoCapture(str(video))
    own, mirrored = [], []
    try:
        for index in frames:
            cap.set(cv2.CAP_PROP_POS_FRAMES, index)
            ok, bgr = cap.read()
            assert ok
            rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
            # A square crop around the runner (as the model's own tracking would), then
            # the same crop and its mirror image.
            px = detect(rgb)
            lo, hi = px.min(axis=0), px.max(axis=0)
            c, half = (lo + hi) / 2, max(hi - lo) / 2 + 0.15 * (hi[1] - lo[1])
            x0, y0 = int(max(c[0] - half, 0)), int(max(c[1] - half, 0))
            crop = rgb[y0:int(c[1] + half), x0:int(c[0] + half)]
            a = detect(crop)
            b = detect(crop[:, ::-1])
            b[:, 0] = crop.shape[1] - b[:, 0]
            # The mirrored runner's legs may carry the other labels: the same leg is the
            # one whose heel lies where the near heel is.
            side = min(("left", "right"), key=lambda s: float(np.linalg.norm(
                b[LM[f"{s}_heel"]] - a[LM["left_heel"]])))
            own.append(_toes_up_deg(a, "left"))
            mirrored.append(_toes_up_deg(b, side))
    finally:
        cap.release()
        landmarker.close()
    diff = np.array(own) - np.array(mirrored)
    # Measured: own 6.5…17.6° toes-up (the shoe is visibly ~20-30° toes-up), mirrored
    # −1…−18°; own − mirrored 7.6-35.4°, mean 23.0°. A mirror-equivariant model gives 0.
    assert diff.mean() >= 10.0 and diff.min() >= 3.0, (own, mirrored)
    # Fusing the two (their mean, measured +0.9°) would be equivariant by construction
    # but reads the toes-up foot as flat: no fix.
    assert np.mean((np.array(own) + np.array(mirrored)) / 2) <= 3.0


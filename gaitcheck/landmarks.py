"""The 33-point BlazePose skeleton that every track, analyzer and renderer shares.

Indices follow MediaPipe Pose Landmarker (BlazePose GHUM 3D). ``left``/``right`` are
the subject's own sides, not the image's.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

LANDMARK_NAMES: tuple[str, ...] = (
    "nose",
    "left_eye_inner", "left_eye", "left_eye_outer",
    "right_eye_inner", "right_eye", "right_eye_outer",
    "left_ear", "right_ear",
    "mouth_left", "mouth_right",
    "left_shoulder", "right_shoulder",
    "left_elbow", "right_elbow",
    "left_wrist", "right_wrist",
    "left_pinky", "right_pinky",
    "left_index", "right_index",
    "left_thumb", "right_thumb",
    "left_hip", "right_hip",
    "left_knee", "right_knee",
    "left_ankle", "right_ankle",
    "left_heel", "right_heel",
    "left_foot_index", "right_foot_index",
)
N_LANDMARKS = len(LANDMARK_NAMES)

#: Name → index.
LM = MappingProxyType({name: i for i, name in enumerate(LANDMARK_NAMES)})

#: Body parts used for quality summaries (mean visibility per part).
BODY_PARTS: MappingProxyType[str, tuple[int, ...]] = MappingProxyType({
    "head": tuple(range(0, 11)),
    "torso": (LM["left_shoulder"], LM["right_shoulder"], LM["left_hip"], LM["right_hip"]),
    "left_arm": (LM["left_elbow"], LM["left_wrist"], LM["left_pinky"], LM["left_index"],
                 LM["left_thumb"]),
    "right_arm": (LM["right_elbow"], LM["right_wrist"], LM["right_pinky"], LM["right_index"],
                  LM["right_thumb"]),
    "left_leg": (LM["left_knee"], LM["left_ankle"]),
    "right_leg": (LM["right_knee"], LM["right_ankle"]),
    "left_foot": (LM["left_heel"], LM["left_foot_index"]),
    "right_foot": (LM["right_heel"], LM["right_foot_index"]),
})


def _mirror_name(name: str) -> str:
    if name.startswith("left_"):
        return "right_" + name[5:]
    if name.startswith("right_"):
        return "left_" + name[6:]
    if name == "mouth_left":
        return "mouth_right"
    if name == "mouth_right":
        return "mouth_left"
    return name


#: For each index, the index of the same point on the other side (for swap repair and
#: mirroring); midline points map to themselves.
MIRROR: tuple[int, ...] = tuple(LM[_mirror_name(n)] for n in LANDMARK_NAMES)

#: Where MediaPipe's ``foot_index`` sits relative to the shoe tip, heel → foot_index
#: lengths *behind* the tip (unitless). Measured on the shared treadmill clip's pixels
#: (``benchmarks/toe_off_pivot.py``): the shoe's own neon pixels put the tip 0.14–0.23
#: heel → foot_index lengths beyond foot_index along that line in the 3–6 frames before
#: each labelled toe-off (median per frame, 16–17 stances). So foot_index rises with the
#: shoe's rotation while the shoe still pivots on its tip, and a toe-off read on it is
#: early (real clip −1.90 frames against blind labels, heel-striker render −2.23 against
#: exact truth). Read 0.15 beyond foot_index, the render's toe-offs are +0.39 frame
#: (21 of 23 within ±1) and the real ones −1.04 (``benchmarks/toe_off_study.py``).
MEDIAPIPE_TOE_REACH = 0.15


def toe_reach_for(source: Mapping[str, Any]) -> float:
    """How far the shoe tip lies beyond the toe landmark for tracks of ``source``.

    Parameters
    ----------
    source : mapping
        ``LandmarkTracks.source``: provenance of the tracks.

    Returns
    -------
    float
        Heel → foot_index lengths (unitless, ≥ 0) from ``foot_index`` forward to the
        shoe tip, the point the shoe rolls over at push-off: ``source["toe_reach"]``
        where the landmark source declared it (the pose backend's ``describe()``, the
        synthesiser's 0), else :data:`MEDIAPIPE_TOE_REACH` for tracks saved by a
        MediaPipe backend before the field existed (``source["backend"]`` starting
        with ``"mediapipe"``), else 0 (exact landmarks: foot_index *is* the tip).
    """
    if "toe_reach" in source:
        return float(source["toe_reach"])
    if str(source.get("backend", "")).startswith("mediapipe"):
        return MEDIAPIPE_TOE_REACH
    return 0.0

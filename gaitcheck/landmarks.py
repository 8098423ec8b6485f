"""The 33-point BlazePose skeleton that every track, analyzer and renderer shares.

Indices follow MediaPipe Pose Landmarker (BlazePose GHUM 3D). ``left``/``right`` are
the subject's own sides, not the image's.
"""

from __future__ import annotations

from types import MappingProxyType

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

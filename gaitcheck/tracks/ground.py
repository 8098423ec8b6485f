"""Which scene-line roll evidence counts (pure: no OpenCV).

:func:`gaitcheck.video.lines.estimate_roll` measures two rolls on the video's frames:
plumb lines read at the runner and near-level lines along the ground. This decides
whether and how they are used; :func:`gaitcheck.metrics.frames.estimate_ground` and the
event detector's levelling use the same decision on re-analysed landmark files.
"""

from __future__ import annotations

from typing import Any

#: Rolls beyond this are not believed from the scene (a steeper "horizontal" is not one).
MAX_ROLL_DEG = 12.0
#: Smallest confidence at which a plumb- or ground-line roll counts as evidence, and
#: the largest difference at which the two agree, degrees.
SCENE_MIN_CONFIDENCE, SCENE_AGREEMENT_DEG = 0.5, 2.0


def scene_roll(lines: dict[str, Any] | None) -> tuple[float | None, float, str]:
    """Decide the image roll from the plumb-line and ground-line estimates.

    Each counts when confident (:data:`SCENE_MIN_CONFIDENCE`) and within
    :data:`MAX_ROLL_DEG`; when both count they must agree within
    :data:`SCENE_AGREEMENT_DEG`, and are then averaged by confidence.

    Parameters
    ----------
    lines : dict or None
        :func:`gaitcheck.video.lines.estimate_roll` output (``tracks.source
        ["scene_lines"]``): its ``plumb`` and ``ground_lines`` parts, each with
        ``roll_deg`` (image roll, anticlockwise positive) and ``confidence``.

    Returns
    -------
    roll_deg : float or None
        Image roll, degrees; None when no evidence counts.
    confidence : float
        0..1.
    source : str
        ``"plumb lines"``, ``"ground lines"``, ``"plumb and ground lines"``, or why
        there is no estimate.
    """
    if not lines:
        return None, 0.0, "no scene lines (landmarks without video)"
    found = []
    for key, name in (("plumb", "plumb lines"), ("ground_lines", "ground lines")):
        part = lines.get(key) or {}
        roll, conf = part.get("roll_deg"), float(part.get("confidence") or 0.0)
        if roll is not None and abs(roll) <= MAX_ROLL_DEG and conf >= SCENE_MIN_CONFIDENCE:
            found.append((float(roll), conf, name))
    if not found:
        return None, 0.0, "scene lines too few or inconsistent"
    if len(found) == 1:
        return found[0][0], found[0][1], found[0][2]
    (a, ca, _), (b, cb, _) = found
    if abs(a - b) > SCENE_AGREEMENT_DEG:
        return None, 0.0, (f"plumb lines ({a:+.1f}°) and ground lines ({b:+.1f}°) "
                           "disagree")
    return (ca * a + cb * b) / (ca + cb), max(ca, cb), "plumb and ground lines"

"""The systematic floor of each metric's uncertainty, from the consistency suite.

``gaitcheck/metrics/systematic.json`` (format ``gaitcheck-systematic/1``, written by
``benchmarks/consistency.py``) holds, per metric, how much it changes between a clip
and the same clip mirrored, halved in size, moved off centre, rolled ±4°, dimmed,
re-compressed at CRF 35 or sub-sampled to 30 fps. The floor is ``FLOOR_SCALE × median
|change|`` over those transforms (the clip-halves splits are left out: they measure
stride sampling, which the statistical part already holds). A change between two
measurements carries two errors, so one measurement's SD is ``SD(change) / √2``, and
``median |N(0, σ)| = 0.674 σ``: a 95 % half-width is ``1.96 / 0.674 / √2 ≈ 2.06``
medians. The transforms include the single pose pass started 3 or 15 frames later
(``start+N``): where a recording starts moves MediaPipe's tracking history. Metrics the
suite has not measured take :data:`FALLBACK_FLOORS`.

``event_time_frames`` is the initial contacts' systematic shift, in frames; values read
at an event carry it too (:mod:`gaitcheck.metrics.event_timing`, :func:`event_time_floor`).

Pure standard library: the registry (importable without numpy) reads it.
"""

from __future__ import annotations

import json
import math
from functools import cache
from pathlib import Path
from statistics import median

#: The consistency suite's table (format ``gaitcheck-systematic/1``).
SYSTEMATIC_PATH = Path(__file__).with_name("systematic.json")
#: 95 % half-width per median absolute change between a clip and its transform.
FLOOR_SCALE = 1.96 / 0.6745 / math.sqrt(2.0)
#: Metrics whose systematic floor is in video frames (events placed to a frame).
FRAME_TIMED = frozenset({"ground_contact_ms", "step_time_ms", "flight_ms"})
#: Floors of metrics the consistency suite has not measured (chosen, not measured):
#: timing in frames as contact time's measured 1.7 frames; duty factor = 1.7 frames of
#: a 30-fps stride of ~21 frames (≈ 4 %, reduced to 3 % as contact and stride share
#: events); joint angles at contact as knee flexion at contact (2°), the shank and hip
#: angle a little more (they use the ground line and the trunk, 3°); arm angles 5°
#: (the far arm is often hidden); vertical oscillation 1 cm / 1 % leg length; arm
#: crossover 0.05 shoulder widths (wrist jitter); lateral trunk lean as trunk lean.
FALLBACK_FLOORS: dict[str, float] = {
    "cadence_spm": 0.5, "step_time_ms": 1.7, "ground_contact_ms": 1.7, "flight_ms": 1.7,
    "duty_factor_pct": 3.0, "trunk_lean_deg": 1.0, "head_forward_deg": 1.5,
    "lateral_trunk_lean_deg": 1.0, "foot_strike": 3.0, "knee_flexion_ic_deg": 2.0,
    "knee_flexion_peak_stance_deg": 3.0, "hip_extension_to_deg": 3.0,
    "overstride_pct": 2.5, "shank_angle_deg": 3.0, "vertical_oscillation": 1.0,
    "arm_swing_deg": 5.0, "elbow_angle_deg": 5.0, "arm_crossover": 0.05,
}


#: Table key of the gait events' systematic timing shift, frames.
EVENT_TIME_KEY = "event_time_frames"
#: Its floor when the table does not hold it (chosen: the median shift measured on the
#: consistency suite in December 2026, 0.36 frame, times :data:`FLOOR_SCALE`).
FALLBACK_EVENT_TIME_FRAMES = 0.75


def load_systematic(path: Path | None = None, part: str = "per_transform"
                    ) -> dict[str, float]:
    """Read the measured systematic floors per metric key from the suite's table.

    Parameters
    ----------
    path : Path, optional
        The table; :data:`SYSTEMATIC_PATH` by default.
    part : {"per_transform", "per_transform_side", "per_transform_difference"}
        The floor of the clip's value, of one leg's mean, or of the difference between
        the legs (what a left-right comparison needs: a shift of one leg's events
        against the other's moves it while the mean of both barely moves).

    Returns
    -------
    dict of str to float
        Floors as 95 % half-widths (frames for :data:`FRAME_TIMED`); {} when the table
        is absent or unreadable (then :data:`FALLBACK_FLOORS` apply).
    """
    try:
        data = json.loads((path or SYSTEMATIC_PATH).read_text())
        table = data["metrics"]
    except (OSError, ValueError, KeyError, TypeError):
        return {}
    out = {}
    for key, row in table.items():
        changes = [float(v) for k, v in (row.get(part) or {}).items()
                   if not str(k).endswith("-half") and v is not None]
        typical = median(changes) if changes else (
            row.get("median_abs_change") if part == "per_transform" else None)
        if typical is not None and math.isfinite(float(typical)):
            out[key] = round(FLOOR_SCALE * float(typical), 3)
    return out


def event_time_floor() -> float:
    """95 % half-width of an event's systematic timing, video frames (measured or fallback)."""
    return load_systematic().get(EVENT_TIME_KEY, FALLBACK_EVENT_TIME_FRAMES)


@cache
def leg_floor(key: str, difference: bool = False) -> float | None:
    """Measured floor of one leg's mean of ``key`` (or of the left − right difference).

    A 95 % half-width in the unit of :func:`load_systematic`; None when the table does
    not hold it (the metric's own floor applies then).
    """
    part = "per_transform_difference" if difference else "per_transform_side"
    return load_systematic(part=part).get(key)


def difference_floor(key: str) -> float | None:
    """Floor of a left-right difference of ``key`` (unit of :func:`load_systematic`).

    The suite's measured floor of the near − far difference, else the metric's own. For
    event timing (:data:`FRAME_TIMED`) at least the fallback timing floor (1.7 frames):
    the measured spread is heavy-tailed, the far leg's events shifting against the near
    leg's by 3.2-3.8 frames of step time on the real clip rolled −4° and mirrored, while
    the median-based floor is 1.0 frame.
    """
    measured = leg_floor(key, difference=True)
    own = floors().get(key, (None, ""))[0]
    floor = measured if measured is not None else own
    if key in FRAME_TIMED:
        floor = max(floor or 0.0, FALLBACK_FLOORS[key])
    return floor


@cache
def floors() -> dict[str, tuple[float, str]]:
    """Every floor with its origin ("measured" or "fallback")."""
    measured = load_systematic()
    out = {k: (v, "fallback") for k, v in FALLBACK_FLOORS.items()}
    out |= {k: (v, "measured") for k, v in measured.items()}
    return out


def floor_in_unit(key: str, floor: float | None, fps: float | None) -> float:
    """Convert the floor of ``key`` to the metric's unit.

    Frames → ms for :data:`FRAME_TIMED` (0 without a frame rate); 0 when None.
    """
    if floor is None:
        return 0.0
    if key in FRAME_TIMED:
        return floor * 1000.0 / fps if fps else 0.0
    return float(floor)

"""Running or walking from two independent features of the timed feet.

* **Flight or double support** (:func:`gaitcheck.events.rules.classify_activity`): at
  each contact, whether the other foot has already left the ground (a flight phase:
  running) or is still down (double support: walking).
* **Duty factor**: each foot's contact time over its stride time. Walking keeps a foot
  on the ground more than half the time (about 60-65 %), running less (25-45 %)
  (Novacheck 1998, Gait Posture 7:77).

Both are ratios of times, so a slow-motion clock does not change them. When they
disagree (events timed on a shuffling, turning or mis-tracked subject) the activity is
unknown, and no band-based finding is raised (:mod:`gaitcheck.metrics.context`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from gaitcheck.events.model import GaitEvents

#: Duty factor separating walking (above) from running (below), fraction.
DUTY_BOUNDARY = 0.5
#: Distance from the boundary at which the duty factor is a sure cue, fraction (a
#: walk at 0.62 and a run at 0.35 are both beyond it).
DUTY_SURE = 0.08
#: Fewest stance phases with a stride time for the duty factor to count.
MIN_STANCES = 3


def duty_factors(events: GaitEvents) -> list[float]:
    """Return contact time / stride time of every stance, as fractions.

    Only stances whose foot lands again within the same segment count.
    """
    out = []
    for ic, to in events.stance_phases():
        later = [c.time_s for c in events.contacts if c.side == ic.side
                 and c.time_s > ic.time_s and events.segment_of(c) == events.segment_of(ic)]
        if later:
            stride = min(later) - ic.time_s
            if stride > 0:
                out.append((to.time_s - ic.time_s) / stride)
    return out


def activity_evidence(events: GaitEvents | None) -> tuple[str | None, float, dict[str, Any]]:
    """Return the activity both cues support, its confidence and the evidence.

    Parameters
    ----------
    events : GaitEvents or None

    Returns
    -------
    activity : {"run", "walk"} or None
        None when neither cue is available or they disagree.
    confidence : float
        0..1: the weaker of the two cues' confidences when both are available and
        agree; the one available cue's otherwise, halved (a single cue on a
        real clip is less sure).
    evidence : dict
        ``flight``: the event detector's decision and confidence; ``duty_factor_pct``:
        median, and the number of stances; ``agree``; ``reason``.
    """
    if events is None:
        return None, 0.0, {"reason": "no gait events"}
    duties = duty_factors(events)
    duty = float(np.median(duties)) if len(duties) >= MIN_STANCES else float("nan")
    by_duty = None if not np.isfinite(duty) else ("walk" if duty > DUTY_BOUNDARY else "run")
    duty_conf = (float(np.clip(abs(duty - DUTY_BOUNDARY) / DUTY_SURE, 0.0, 1.0))
                 if by_duty else 0.0)
    by_flight, flight_conf = events.activity, float(events.activity_confidence)
    ev: dict[str, Any] = {
        "flight": {"activity": by_flight, "confidence": round(flight_conf, 3)},
        "duty_factor_pct": {"median": round(100 * duty, 1) if by_duty else None,
                            "stances": len(duties), "activity": by_duty,
                            "confidence": round(duty_conf, 3)}}
    if by_flight and by_duty:
        if by_flight != by_duty:
            return None, 0.0, ev | {"agree": False, "reason": (
                f"the feet show {'a flight phase' if by_flight == 'run' else 'double support'}"
                f" but a duty factor of {100 * duty:.0f} %: the cues disagree")}
        what = ("a flight phase and a duty factor under 50 %" if by_flight == "run" else
                "double support and a duty factor over 50 %")
        return by_flight, round(min(flight_conf, duty_conf), 3), ev | {
            "agree": True, "reason": f"{what} ({100 * duty:.0f} %)"}
    if by_flight:
        return by_flight, round(0.5 * flight_conf, 3), ev | {
            "agree": None, "reason": "flight or double support only (too few whole strides "
            "for a duty factor)"}
    return None, 0.0, ev | {"agree": None, "reason": "too few timed steps"}

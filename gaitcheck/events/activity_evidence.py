"""Running or walking from two features of the timed feet, checked by the pelvis.

* **Flight or double support** (:func:`gaitcheck.events.rules.classify_activity`): at
  each contact, whether the other foot has already left the ground (a flight phase:
  running) or is still down (double support: walking).
* **Duty factor**: each foot's contact time over its stride time. Walking keeps a foot
  on the ground more than half the time (about 60-65 %), running less (25-45 %)
  (Novacheck 1998, Gait Posture 7:77).

Both are ratios of times, so a slow-motion clock does not change them. When they
disagree (events timed on a shuffling, turning or mis-tracked subject) the activity is
unknown, and no band-based finding is raised (:mod:`gaitcheck.metrics.context`).

Both rest on toe-off, the harder event: a walker whose toe-offs are found early (a
small, low-resolution walker) shows a "flight phase". A third cue needs no toe-off:

* **Pelvis path** (:func:`pelvis_phase`): walking vaults over a stiff leg, so the body is
  lowest just after initial contact (double support) and highest at mid-stance; running
  bounces on a compressed leg, lowest at mid-stance (Lee & Farley 1998, J Exp Biol
  201:2935). Where in the step (initial contact to the next
  one) the hip midpoint is lowest separates them: 0.11-0.16 of the step on synthetic
  walkers, 0.02-0.07 on the shared real walking clip (also mirrored, halved, rolled);
  0.38-0.40 on synthetic runners, 0.29 on the shared real treadmill runner, 0.42 on the
  two rendered side samples. It only vetoes: when it is sure and
  contradicts the two stance cues, the activity is unknown.
"""

from __future__ import annotations

import itertools
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
#: Step phase (0 = initial contact, 1 = the next one) of the lowest hip separating
#: walking (below) from running (above); midway between the measured clusters.
PELVIS_BOUNDARY = 0.22
#: Distance from the boundary at which the pelvis phase is a sure cue.
PELVIS_SURE = 0.06
#: Fewest steps, and least agreement of their phases (mean resultant length, 0..1),
#: for the pelvis cue to count.
PELVIS_MIN_STEPS = 4
PELVIS_MIN_AGREEMENT = 0.6


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


def pelvis_phase(events: GaitEvents, hip_y_px: np.ndarray) -> tuple[float, float, int]:
    """Return where in the step the hip is lowest, how well the steps agree, and their number.

    Parameters
    ----------
    events : GaitEvents
        Initial contacts; a step is two consecutive contacts of the same segment.
    hip_y_px : ndarray, shape (n_frames,)
        Image y of the hip midpoint per track row, px, downward positive (NaN where
        unknown).

    Returns
    -------
    phase : float
        Circular mean over the steps of the lowest hip's position, 0..1 of the step
        after its initial contact (NaN without steps).
    agreement : float
        Mean resultant length of the steps' phases, 0 (scattered) .. 1 (identical).
    steps : int
        Steps measured (whole steps with the hip seen in every frame).
    """
    y = np.asarray(hip_y_px, dtype=np.float64)
    contacts = sorted(events.contacts, key=lambda c: c.time_s)
    phases = []
    for a, b in itertools.pairwise(contacts):
        if events.segment_of(a) != events.segment_of(b):
            continue
        rows = np.arange(int(np.ceil(a.frame)), min(int(np.floor(b.frame)), len(y) - 1) + 1)
        if len(rows) < 4 or not np.isfinite(y[rows]).all():
            continue
        phases.append((rows[int(np.argmax(y[rows]))] - a.frame) / (b.frame - a.frame))
    if not phases:
        return float("nan"), 0.0, 0
    mean = np.mean(np.exp(2j * np.pi * np.asarray(phases)))
    return float(np.angle(mean) / (2 * np.pi) % 1.0), float(abs(mean)), len(phases)


def _pelvis_cue(events: GaitEvents, hip_y_px: np.ndarray | None
                ) -> tuple[str | None, float, dict[str, Any]]:
    if hip_y_px is None:
        return None, 0.0, {"activity": None, "reason": "not measured"}
    phase, agreement, steps = pelvis_phase(events, hip_y_px)
    if steps < PELVIS_MIN_STEPS or agreement < PELVIS_MIN_AGREEMENT:
        return None, 0.0, {"activity": None, "steps": steps,
                           "agreement": round(agreement, 3),
                           "reason": "too few steps, or their pelvis paths disagree"}
    by = "walk" if phase < PELVIS_BOUNDARY else "run"
    conf = float(np.clip(abs(phase - PELVIS_BOUNDARY) / PELVIS_SURE, 0.0, 1.0))
    return by, conf, {"activity": by, "lowest_hip_step_phase": round(phase, 3),
                      "steps": steps, "agreement": round(agreement, 3),
                      "confidence": round(conf, 3)}


def activity_evidence(events: GaitEvents | None, hip_y_px: np.ndarray | None = None
                      ) -> tuple[str | None, float, dict[str, Any]]:
    """Return the activity both cues support, its confidence and the evidence.

    Parameters
    ----------
    events : GaitEvents or None
    hip_y_px : ndarray, optional
        Image y of the hip midpoint per track row, px, downward positive: enables the
        pelvis check (:func:`pelvis_phase`), which can only turn an agreed activity into
        unknown.

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
        median, and the number of stances; ``pelvis``: the pelvis check; ``agree``;
        ``reason``.
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
        by_pelvis, pelvis_conf, ev["pelvis"] = _pelvis_cue(events, hip_y_px)
        if by_pelvis is not None and by_pelvis != by_flight and pelvis_conf >= 0.5:
            lowest = ev["pelvis"]["lowest_hip_step_phase"]
            return None, 0.0, ev | {"agree": False, "reason": (
                f"{what} ({100 * duty:.0f} %), but the hip is lowest at "
                f"{100 * lowest:.0f} % of the step, as in "
                f"{'walking' if by_pelvis == 'walk' else 'running'}: the cues disagree")}
        return by_flight, round(min(flight_conf, duty_conf), 3), ev | {
            "agree": True, "reason": f"{what} ({100 * duty:.0f} %)"}
    if by_flight:
        return by_flight, round(0.5 * flight_conf, 3), ev | {
            "agree": None, "reason": "flight or double support only (too few whole strides "
            "for a duty factor)"}
    return None, 0.0, ev | {"agree": None, "reason": "too few timed steps"}

"""How far a value read at a gait event moves when the event moves by its own uncertainty.

Knee flexion, foot angle, overstride and shank angle are read at initial contact (IC),
hip extension at toe-off (TO). Around IC the knee flexes by about 5° per frame at 30 fps,
so an IC placed one frame early reads the knee about 5° straighter. The pose model places
events a fraction of a frame differently on equivalent recordings: on the shared
treadmill clip mirrored, MediaPipe draws the near foot lower just before contact, its
contacts come 0.9 frame early and the knee at IC reads 3.8° straighter, enough to put a
whole interval below the knee band that the clip itself sits well inside. The consistency
suite measures that event-timing spread (``event_time_frames`` in ``systematic.json``);
this module propagates it into every value read at an event: all events of the clip are
moved by ``± delta`` frames together (a systematic shift, not stride-to-stride jitter,
which the statistical part already holds), and half the change of the mean between the
two is the half-width (:func:`timing_half_widths`): first-order propagation,
``|d mean / d t| · delta``, by a central difference.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping

import numpy as np

from gaitcheck.metrics.sagittal_frame import SagittalFrame

#: Metrics read at an event, and which event (``"ic"`` or ``"to"``).
READ_AT: dict[str, str] = {
    "knee_flexion_ic_deg": "ic", "foot_strike": "ic", "overstride_pct": "ic",
    "shank_angle_deg": "ic", "hip_extension_to_deg": "to",
}

#: ``Metric.extra`` key carrying the half-width to :mod:`gaitcheck.metrics.uncertainty`.
EXTRA_KEY = "event_timing_half_width"

Measure = Callable[[SagittalFrame, int], float | None]


def _mean_with_events_moved(fr: SagittalFrame, measure: Measure, event: str,
                            shift: float) -> float:
    """Mean of ``measure`` over the stances with every ``event`` moved by ``shift`` frames."""
    last = fr.n_frames - 1

    def move(t: float) -> float:
        return float(np.clip(t + shift, 0, last)) if np.isfinite(t) else t

    moved = tuple(dataclasses.replace(st, ic=move(st.ic)) if event == "ic"
                  else dataclasses.replace(st, to=move(st.to)) for st in fr.stances)
    shifted = dataclasses.replace(fr, stances=moved)
    values = [measure(shifted, k) for k in range(len(moved))]
    finite = [v for v in values if v is not None and np.isfinite(v)]
    return float(np.mean(finite)) if finite else float("nan")


def timing_half_widths(fr: SagittalFrame, measures: Mapping[str, Measure],
                       delta_frames: float) -> dict[str, float]:
    """Half-width of each event-read metric's mean from the event-timing uncertainty.

    Parameters
    ----------
    fr : SagittalFrame
        The clip's side-view frame with its stances.
    measures : mapping of str to callable
        Per-stance functions by metric key (:data:`gaitcheck.metrics.sagittal.PER_STANCE`);
        only the keys of :data:`READ_AT` are used.
    delta_frames : float
        95 % half-width of an event's systematic timing, video frames.

    Returns
    -------
    dict of str to float
        ``|mean(events + delta) − mean(events − delta)| / 2`` per metric, in its unit;
        a metric without a finite mean both ways is left out.
    """
    out: dict[str, float] = {}
    if not delta_frames > 0 or not fr.stances:
        return out
    for key, event in READ_AT.items():
        measure = measures.get(key)
        if measure is None:
            continue
        late = _mean_with_events_moved(fr, measure, event, delta_frames)
        early = _mean_with_events_moved(fr, measure, event, -delta_frames)
        if np.isfinite(late) and np.isfinite(early):
            out[key] = abs(late - early) / 2.0
    return out

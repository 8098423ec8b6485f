"""``--slowmo auto``: apply the detected slow-motion factor only when the evidence is firm.

The event detector suggests a factor whenever the cadence is impossible in real time
(:func:`gaitcheck.events.slowmo.suggest_slowmo_factor`). Applying it silently would turn
a wrong guess into confident-looking numbers, so the factor is applied only when:

* the activity is known from the feet, independently of the clock (a flight phase, or
  double support), with confidence;
* enough steps were timed for the cadence to mean something;
* exactly one phone slow-motion factor brings the cadence inside that activity's
  real-time range (walking's range is wide enough for two factors to fit: ambiguous);
* the steps are regular (a jumble of false contacts gives an arbitrary cadence).

Otherwise the clip keeps its file clock, time-based findings stay withheld and the
report says why the factor was not applied.
"""

from __future__ import annotations

import dataclasses
import itertools
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gaitcheck.events.model import GaitEvents
from gaitcheck.events.slowmo import NORMAL_CADENCE_SPM, SLOWMO_FACTORS, suggest_slowmo_factor
from gaitcheck.tracks.tracks import LandmarkTracks
from gaitcheck.validation import parse_slowmo  # noqa: F401  (its home until it moved)

#: Least confidence of the activity (stance overlap), 0..1.
MIN_ACTIVITY_CONFIDENCE = 0.5
#: Fewest initial contacts (three strides).
MIN_CONTACTS = 6
#: Largest coefficient of variation of the step time within a segment: steady gait
#: varies by a few per cent, walking with a turn or a pause by more.
MAX_STEP_CV = 0.3


@dataclass(frozen=True)
class SlowmoDecision:
    """Whether to apply the suggested slow-motion factor, and why.

    Attributes
    ----------
    factor : float or None
        Suggested factor (relative to the clock already applied); None if the timing
        looks real-time.
    confident : bool
        True when ``factor`` may be applied automatically.
    reason : str
        Plain-language reason for the decision.
    evidence : dict
        The measured values it rests on (JSON-ready).
    """

    factor: float | None
    confident: bool
    reason: str
    evidence: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {"factor": self.factor, "confident": self.confident, "reason": self.reason,
                "evidence": self.evidence}


def _step_cv(events: GaitEvents) -> float:
    """Return the coefficient of variation of the step time.

    Steps are the intervals between successive contacts of different feet within a
    segment; NaN with fewer than three.
    """
    steps = []
    for k in range(len(events.segments)):
        seg = [c for c in events.contacts if events.segment_of(c) == k]
        steps += [b.time_s - a.time_s for a, b in itertools.pairwise(seg)
                  if a.side != b.side]
    if len(steps) < 3:
        return float("nan")
    s = np.asarray(steps)
    return float(np.std(s) / np.mean(s))


def suspected_factor(events: GaitEvents | None, activity: str | None) -> float | None:
    """Return the slow-motion factor the timing suggests for ``activity``, or None.

    ``activity`` is the one both stance cues agree on
    (:func:`gaitcheck.events.activity_evidence.activity_evidence`).

    With the activity unknown, a clip is suspected only when its cadence is impossible
    for walking too (below 60 steps/min): a cadence of 100 is a normal walk, and
    calling it a 2× slowed run would judge a walker as a runner.
    """
    if events is None:
        return None
    cadence = events.cadence_spm
    if not np.isfinite(cadence):
        return None
    if activity not in NORMAL_CADENCE_SPM and cadence >= NORMAL_CADENCE_SPM["walk"][0]:
        return None
    factor = suggest_slowmo_factor(cadence, activity)
    return float(factor) if factor else None


def decide_slowmo(events: GaitEvents | None, activity: str | None = None,
                  activity_confidence: float = 0.0) -> SlowmoDecision:
    """Decide whether the suspected slow-motion factor can be applied.

    Parameters
    ----------
    events : GaitEvents or None
        Events on the current clock (None: no side view, no events).
    activity : {"run", "walk"} or None
        The activity both stance cues agree on (not the cadence: that is what the
        clock changes).
    activity_confidence : float
        0..1.

    Returns
    -------
    SlowmoDecision
    """
    factor = suspected_factor(events, activity)
    if events is None or factor is None:
        return SlowmoDecision(None, False, "the gait timing looks real-time")
    cadence = events.cadence_spm
    cv = _step_cv(events)
    fits = []
    if activity in NORMAL_CADENCE_SPM:
        lo, hi = NORMAL_CADENCE_SPM[activity]
        fits = [k for k in SLOWMO_FACTORS if lo <= k * cadence <= hi]
    evidence = {"cadence_spm_file_clock": round(cadence, 1) if np.isfinite(cadence) else None,
                "activity": activity, "activity_confidence": round(activity_confidence, 3),
                "contacts": len(events.contacts),
                "step_time_cv": round(cv, 3) if np.isfinite(cv) else None,
                "factors_that_fit": fits}
    if activity is None or activity_confidence < MIN_ACTIVITY_CONFIDENCE:
        why = "running or walking could not be told from the feet with confidence"
    elif len(events.contacts) < MIN_CONTACTS:
        why = f"only {len(events.contacts)} foot contacts were timed (at least " \
              f"{MIN_CONTACTS} are needed)"
    elif len(fits) != 1:
        why = (f"{' and '.join(f'{k}×' for k in fits)} both give a possible "
               f"{'walking' if activity == 'walk' else 'running'} cadence" if fits
               else "no slow-motion factor gives a possible cadence")
    elif not (np.isfinite(cv) and cv <= MAX_STEP_CV):
        why = "the steps are too irregular for the cadence to be trusted"
    else:
        what = "running (a flight phase)" if activity == "run" else "walking (double support)"
        return SlowmoDecision(factor, True, (
            f"the feet show {what}, and {cadence:.0f} steps/min on the file's clock is "
            f"possible only at {factor:g}× ({factor * cadence:.0f} steps/min)"), evidence)
    return SlowmoDecision(factor, False, f"not applied: {why}", evidence)


def apply_slowmo(tracks: LandmarkTracks, factor: float) -> LandmarkTracks:
    """Return ``tracks`` re-timed for a further slow-motion ``factor``.

    Real time = current time / factor, and ``video.slowmo`` is multiplied by it (the
    frames are unchanged).
    """
    video = dataclasses.replace(tracks.video, slowmo=tracks.video.slowmo * float(factor))
    return LandmarkTracks(tracks.image, tracks.world, tracks.time_s / float(factor),
                          tracks.frame_index, video, tracks.source)


def slowmo_section(tracks: LandmarkTracks, auto: bool, decision: SlowmoDecision,
                   applied: bool) -> dict[str, Any]:
    """Build the ``report.json`` ``slowmo`` section.

    It holds the factor the times are on, who set it, and the automatic decision with
    its evidence.

    Parameters
    ----------
    tracks : LandmarkTracks
        The analysed tracks (``video.slowmo`` is the factor in use).
    auto : bool
        Whether ``--slowmo auto`` was asked for.
    decision : SlowmoDecision
        :func:`decide_slowmo` on the events before any automatic factor.
    applied : bool
        Whether ``decision.factor`` was applied.
    """
    total = float(tracks.video.slowmo)
    user = total / decision.factor if applied and decision.factor else total
    source = "auto" if applied else ("user" if user != 1.0 else "none")
    suggested = None
    if decision.factor and not applied:
        suggested = round(user * decision.factor, 3)
    return {"factor": round(total, 3), "source": source, "user_factor": round(user, 3),
            "auto_requested": auto, "applied_auto_factor": decision.factor if applied
            else None, "suggested_total": suggested, "decision": decision.to_dict()}

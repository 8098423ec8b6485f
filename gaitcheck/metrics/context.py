"""Context before verdicts: whether a finding may be judged at all in this recording.

A finding compares a value with a reference band, and a band belongs to one activity
(running or walking) measured on a real-time clock from a known view. When any of these
is in doubt, a verdict would rest on the wrong yardstick, so it is withheld and the
reason is reported instead. This module is the single place that decides it:
:func:`findings_allowed` for the recording as a whole, :func:`finding_allowed` for one
metric.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

#: Metrics whose value is a duration or a rate on the clip's clock, or derived from one
#: (with their left-right asymmetries): wrong by the slow-motion factor on a slowed clip.
#: Duty factor and the asymmetries of times are ratios and survive a uniform slow-down,
#: but a suspected slow-down also means the events were timed against a clock that does
#: not fit the activity, so they are withheld with the rest.
TIME_BASED = frozenset({
    "cadence_spm", "step_time_ms", "ground_contact_ms", "flight_ms", "duty_factor_pct",
    "asymmetry.step_time", "asymmetry.contact_time", "asymmetry.flight_time",
})
#: Activities with reference bands.
ACTIVITIES = ("run", "walk")
#: Views whose metrics can be judged against a band (oblique is analysed as side).
KNOWN_VIEWS = ("side", "oblique", "front", "back")
#: Below this confidence the activity counts as unknown: running and walking bands
#: differ (cadence 160-190 against 95-125 steps/min), so a coin-flip must not choose.
MIN_ACTIVITY_CONFIDENCE = 0.5


@dataclass(frozen=True)
class FindingContext:
    """What a verdict needs to know about the recording.

    Attributes
    ----------
    activity : {"run", "walk"} or None
        Detected (or given) activity.
    activity_confidence : float
        0..1 confidence of ``activity``.
    view : str or None
        Camera view ("side", "oblique", "front", "back", "unknown").
    slowmo_suspected : float or None
        Slow-motion factor the timing suggests and that was *not* applied (None when
        the clock looks real-time, or the factor was applied).
    """

    activity: str | None
    activity_confidence: float
    view: str | None
    slowmo_suspected: float | None = None

    @property
    def band_activity(self) -> str | None:
        """The activity whose bands apply, or None (no band-based finding)."""
        if self.activity in ACTIVITIES and self.activity_confidence >= MIN_ACTIVITY_CONFIDENCE:
            return self.activity
        return None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the context and every reason a finding was withheld."""
        return {"activity": self.activity, "activity_confidence": round(
                    float(self.activity_confidence), 3), "view": self.view,
                "slowmo_suspected": self.slowmo_suspected,
                "band_activity": self.band_activity,
                "withheld": findings_allowed(self)}


def findings_allowed(context: FindingContext) -> dict[str, str]:
    """Why kinds of finding are withheld in this recording (empty: all allowed).

    Parameters
    ----------
    context : FindingContext

    Returns
    -------
    dict
        ``"time_based"`` (cadence, step, contact, flight time, duty factor and their
        asymmetries) and/or ``"band_based"`` (every comparison with a reference band),
        each with a plain-language reason.
    """
    out: dict[str, str] = {}
    if context.slowmo_suspected:
        k = f"{context.slowmo_suspected:g}"
        out["time_based"] = (f"the clip looks like {k}× slow motion, so every time and "
                             f"cadence is probably {k}× off")
    if context.view not in KNOWN_VIEWS:
        out["band_based"] = "the camera view was not recognised"
    elif context.band_activity is None:
        out["band_based"] = ("running or walking could not be told apart with confidence, "
                             "and their reference bands differ")
    return out


def finding_allowed(context: FindingContext, metric: str, band_based: bool) -> str | None:
    """Why the finding on ``metric`` is withheld, or None when it may be raised.

    Parameters
    ----------
    context : FindingContext
    metric : str
        Finding key (``"cadence_spm"``, ``"asymmetry.contact_time"``, ...).
    band_based : bool
        Whether the finding compares the value with a reference band.
    """
    withheld = findings_allowed(context)
    if metric in TIME_BASED and "time_based" in withheld:
        return withheld["time_based"]
    if band_based and "band_based" in withheld:
        return withheld["band_based"]
    return None


def judged_bands(bands: dict[str, Any], context: FindingContext) -> dict[str, Any]:
    """Return ``bands`` (metric key → band) without those whose verdicts are withheld.

    These are the time-based metrics of a suspected slow-motion clip: a tile or table
    row would otherwise still show "below typical" next to a cadence on the wrong clock.
    """
    if "time_based" not in findings_allowed(context):
        return bands
    return {k: v for k, v in bands.items() if k not in TIME_BASED}

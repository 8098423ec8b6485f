"""Slow-motion detection: gait timing that is impossible in real time.

Phones store slow motion at a playback rate far below the capture rate (240 fps shown
at 30 fps is 8× slower), and the container does not say so. Every duration on the
file's clock is then multiplied by the slow-down factor, while ratios (duty factor, the
presence of a flight phase) are not: running is still recognisable as running, with a
cadence no runner can have.
"""

from __future__ import annotations

import math

from gaitcheck.events.model import EventWarning

#: Cadence ranges (steps/min, both feet) that real-time gait stays inside: running below
#: about 130 steps/min is not seen outside deliberate drills (recreational runners
#: 150–190, sprinters up to ~280), walking below 60 is hardly progression.
NORMAL_CADENCE_SPM: dict[str, tuple[float, float]] = {"run": (130.0, 240.0),
                                                      "walk": (60.0, 150.0)}
#: Centre of each range on a log scale, for picking the most likely factor.
TYPICAL_CADENCE_SPM: dict[str, float] = {"run": 170.0, "walk": 110.0}
#: Slow-down factors phones produce: 60/120/240/480/960 fps captures played at 30 fps.
SLOWMO_FACTORS: tuple[int, ...] = (2, 4, 8, 16, 32)


def suggest_slowmo_factor(cadence_spm: float, activity: str | None) -> int | None:
    """Likely slow-motion factor of a clip whose cadence is impossible in real time.

    Parameters
    ----------
    cadence_spm : float
        Cadence on the file's clock, steps/min (both feet).
    activity : {"run", "walk"} or None
        Activity told by the flight phase (unaffected by slow motion). None: running
        when some factor makes a running cadence, else walking.

    Returns
    -------
    int or None
        The factor among :data:`SLOWMO_FACTORS` that brings the cadence inside the
        activity's :data:`NORMAL_CADENCE_SPM` range, nearest the typical cadence on a log
        scale; None when the cadence is already possible (or no factor helps).
    """
    if not (math.isfinite(cadence_spm) and cadence_spm > 0):
        return None
    kinds = [activity] if activity in NORMAL_CADENCE_SPM else ["run", "walk"]
    for kind in kinds:
        lo, hi = NORMAL_CADENCE_SPM[kind]
        if cadence_spm >= lo:
            return None
        inside = [k for k in SLOWMO_FACTORS if lo <= k * cadence_spm <= hi]
        if inside:
            typical = TYPICAL_CADENCE_SPM[kind]
            return min(inside, key=lambda k: abs(math.log(k * cadence_spm / typical)))
    return None


def slowmo_warning(cadence_spm: float, contact_ms: float, activity: str | None,
                   factor: int, current: float = 1.0) -> EventWarning:
    """Build the ``slowmo_suspected`` warning for a clip that looks slowed down.

    Parameters
    ----------
    cadence_spm : float
        Cadence on the tracks' clock, steps/min.
    contact_ms : float
        Median ground contact time on the tracks' clock, ms (NaN if unknown).
    activity : {"run", "walk"} or None
    factor : int
        Suggested factor (:func:`suggest_slowmo_factor`).
    current : float
        Slow-motion factor already applied to the tracks (``VideoInfo.slowmo``).
    """
    what = {"run": "running", "walk": "walking"}.get(activity or "", "gait")
    contact = (f" and ground contacts of {contact_ms:.0f} ms" if math.isfinite(contact_ms)
               else "")
    total = factor * current
    return EventWarning("slowmo_suspected", (
        f"the clip looks like slow motion: a cadence of {cadence_spm:.0f} steps/min"
        f"{contact} are not possible for {what} in real time; it was probably filmed "
        f"{factor}× faster than it plays. Re-run with --slowmo {total:g}; until then every "
        f"time, cadence and contact time here is {factor}× off"))

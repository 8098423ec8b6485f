"""Plausibility of candidate events: alternation, step and contact times, activity."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from gaitcheck.events.model import EventWarning, GaitEvent, RejectedEvent
from gaitcheck.events.settings import DEFAULT_EVENT_SETTINGS, EventSettings
from gaitcheck.events.stances import Stance
from gaitcheck.events.timing import frame_to_time


@dataclass(frozen=True)
class Checked:
    """Events of one segment that passed the checks.

    Attributes
    ----------
    contacts, toe_offs : list of GaitEvent
    rejected : list of RejectedEvent
    warnings : list of EventWarning
    """

    contacts: list[GaitEvent]
    toe_offs: list[GaitEvent]
    rejected: list[RejectedEvent]
    warnings: list[EventWarning]


def _event(time_s: np.ndarray, side: str, kind: str, index: float,
           conf: float) -> GaitEvent:
    return GaitEvent(side, kind, frame_to_time(time_s, index), float(index),  # type: ignore[arg-type]
                     float(np.clip(conf, 0.0, 1.0)))


def median_step_s(stances: list[Stance], time_s: np.ndarray) -> float:
    """Estimate the median step time of a segment, s.

    Median step time, s: half the median interval between successive contacts of the
    same foot (robust to a missed or false contact of the other foot).
    """
    strides = []
    for side in ("left", "right"):
        t = np.sort([frame_to_time(time_s, s.ic) for s in stances if s.side == side])
        strides.extend(np.diff(t).tolist())
    return 0.5 * float(np.median(strides)) if strides else float("nan")


def check_segment(stances: list[Stance], time_s: np.ndarray, activity: str | None,
                  step_s: float, slowmo: float = 1.0,
                  settings: EventSettings = DEFAULT_EVENT_SETTINGS) -> Checked:
    """Enforce left/right alternation and plausible timing on one segment's stances.

    Rules (fields of ``settings``), in order: confidence at least ``min_confidence``; a
    contact closer to the previous kept one than ``min_step_fraction`` of the median
    step ``step_s`` or than the physiological ``min_step_s`` for the activity, or the
    same foot twice within ``same_foot_steps`` steps, loses against the more confident
    of the two; the same foot twice further apart means the other foot's contact was
    missed (kept, with a warning). A toe-off must come before the next contact of the
    same foot and give a duty factor inside the activity's ``duty_bounds``.

    Parameters
    ----------
    stances : list of Stance
        Candidates of one segment (both feet).
    time_s : numpy.ndarray
        Times of all rows of the tracks, s.
    activity : {"run", "walk"} or None
        For the duty-factor bounds.
    step_s : float
        Median step time of the segment, s.
    slowmo : float
        Slow-down factor of the tracks' clock relative to real time (1 for real time; the
        suggested factor for a file that looks slowed down), for the shortest step.
    settings : EventSettings
        Thresholds of the rules.
    """
    cfg = settings
    rejected: list[RejectedEvent] = []
    warnings: list[EventWarning] = []
    order = sorted(stances, key=lambda s: s.ic)
    kept: list[Stance] = []
    for s in order:
        ev = _event(time_s, s.side, "IC", s.ic, s.ic_conf)
        if s.ic_conf < cfg.min_confidence:
            rejected.append(RejectedEvent(ev, "low confidence: the foot is not seen well "
                                              "enough around this contact"))
            continue
        if kept:
            prev = kept[-1]
            gap = ev.time_s - frame_to_time(time_s, prev.ic)
            clash = None
            shortest = cfg.min_step_s(activity) * slowmo
            if gap < cfg.min_step_fraction * step_s:
                clash = (f"{1000 * gap:.0f} ms after the {prev.side} contact, too close for "
                         f"a step of about {1000 * step_s:.0f} ms")
            elif gap < shortest:
                clash = (f"{1000 * gap:.0f} ms after the {prev.side} contact, shorter than "
                         f"any {activity or 'gait'} step ({1000 * shortest:.0f} ms)")
            elif s.side == prev.side and gap < cfg.same_foot_steps * step_s:
                clash = f"second {s.side} contact in a row, {1000 * gap:.0f} ms apart"
            elif s.side == prev.side:
                warnings.append(EventWarning(
                    "contacts_missed", f"a {'right' if s.side == 'left' else 'left'} contact "
                    f"between {frame_to_time(time_s, prev.ic):.2f} s and {ev.time_s:.2f} s "
                    "was not detected"))
            elif gap > (2.0 - cfg.min_step_fraction) * step_s:
                warnings.append(EventWarning(
                    "contacts_missed", f"contacts between {frame_to_time(time_s, prev.ic):.2f}"
                    f" s and {ev.time_s:.2f} s were not detected"))
            if clash is not None:
                loser = s if s.ic_conf <= prev.ic_conf else prev
                lost = _event(time_s, loser.side, "IC", loser.ic, loser.ic_conf)
                rejected.append(RejectedEvent(lost, "implausible: " + clash))
                if loser is prev:
                    kept[-1] = s
                continue
        kept.append(s)

    contacts = [_event(time_s, s.side, "IC", s.ic, s.ic_conf) for s in kept]
    toe_offs: list[GaitEvent] = []
    lo, hi = cfg.duty_bounds(activity)
    for k, s in enumerate(kept):
        if not np.isfinite(s.to):
            continue
        ev = _event(time_s, s.side, "TO", s.to, s.to_conf)
        nxt = next((o for o in kept[k + 1:] if o.side == s.side), None)
        stride = (frame_to_time(time_s, nxt.ic) - contacts[k].time_s if nxt is not None
                  else 2.0 * step_s)
        duty = (ev.time_s - contacts[k].time_s) / stride
        if s.to_conf < cfg.min_confidence:
            rejected.append(RejectedEvent(ev, "low confidence"))
        elif nxt is not None and s.to >= nxt.ic:
            rejected.append(RejectedEvent(ev, "toe-off after the next contact of the "
                                              "same foot"))
        elif not lo <= duty <= hi:
            rejected.append(RejectedEvent(ev, f"implausible contact time "
                                              f"{1000 * (ev.time_s - contacts[k].time_s):.0f}"
                                              f" ms (duty factor {duty:.2f})"))
        else:
            toe_offs.append(ev)
    return Checked(contacts, toe_offs, rejected, warnings)


def classify_activity(contacts: list[GaitEvent], toe_offs: list[GaitEvent],
                      frame_s: float) -> tuple[Literal["run", "walk"] | None, float, float]:
    """Tell running from walking by the overlap of the two feet's stances.

    For every contact, the toe-off that ends the other foot's current stance (the one
    that began with that foot's latest contact) gives the flight time: positive when the
    other foot left the ground before this one landed (a flight phase: running),
    negative when it is still down (double support: walking).

    Parameters
    ----------
    contacts, toe_offs : list of GaitEvent
        Events of one segment.
    frame_s : float
        Frame interval, s: the timing uncertainty that sets the confidence scale.

    Returns
    -------
    activity : {"run", "walk"} or None
        None with fewer than two measurable steps.
    confidence : float
        0..1: agreement of the steps, times how far the median flight time is from zero
        in frame intervals (full from two frames).
    n_steps : float
        Number of steps measured.
    """
    # Sorted times per foot and binary search: linear in the number of events (a
    # 10-minute clip has thousands).
    ics = {s: np.sort([c.time_s for c in contacts if c.side == s]) for s in ("left", "right")}
    tos = {s: np.sort([t.time_s for t in toe_offs if t.side == s]) for s in ("left", "right")}
    flights = []
    for ic in contacts:
        other = "right" if ic.side == "left" else "left"
        theirs, ends = ics[other], tos[other]
        k = int(np.searchsorted(theirs, ic.time_s, side="left"))
        if k == 0:
            continue  # the other foot has not landed yet
        before = theirs[k - 1]  # its latest contact before this one
        later = theirs[np.searchsorted(theirs, ic.time_s, side="right"):]
        after = later[0] if len(later) else np.inf
        j = int(np.searchsorted(ends, before, side="right"))  # its first toe-off after it
        if j < len(ends) and ends[j] < after:
            flights.append(ic.time_s - ends[j])
    if len(flights) < 2:
        return None, 0.0, float(len(flights))
    f = np.asarray(flights)
    share = float(np.mean(f > 0))
    activity: Literal["run", "walk"] = "run" if share >= 0.5 else "walk"
    agreement = abs(2.0 * share - 1.0)
    margin = min(1.0, abs(float(np.median(f))) / (2.0 * frame_s))
    return activity, agreement * margin, float(len(f))

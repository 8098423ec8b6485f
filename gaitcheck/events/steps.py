"""Valid steps: runs of consecutive initial contacts with no contact missed between them.

A step is the interval from one foot's initial contact to the other foot's next one.
Where the detector missed a contact (the same foot twice in a row, or an interval far
longer than the usual step), that interval is not one step: it spans two or more, and
nothing but its length says how many. Step, flight and two-leg (left-right) metrics
must not use it, and cadence must not count it as one long step (issue 13: one missed
contact in a 4 s clip read 149 instead of 170 steps/min, with a row of false
asymmetries). So the contact sequence of each continuous segment is split at every
such gap into *step runs*, and every step metric uses steps inside a run only.

Cadence is then the least-squares slope of contact time against step number, fitted
over all runs with one intercept per run (the pooled within-run regression): on evenly
detected contacts it equals the usual ``(n − 1) / (t_last − t_first)``, but each
contact's timing error weighs ``1/n`` instead of the two end contacts carrying all of it,
and runs separated by a gap are joined without guessing how many steps the gap held.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

import numpy as np

#: An interval between contacts of different feet longer than this many median steps
#: holds missed contacts (two more would make it about three steps long).
MAX_STEP_RATIO = 1.45


class Contact(Protocol):
    """What this module needs of a contact: the foot and its time (s)."""

    @property
    def side(self) -> str:
        """"left" or "right"."""

    @property
    def time_s(self) -> float:
        """Time of the contact, s."""


@dataclass(frozen=True)
class Cadence:
    """Cadence from valid steps.

    Attributes
    ----------
    spm : float
        Steps per minute (NaN without a valid step).
    steps : int
        Valid steps used: intervals between consecutive contacts of a run.
    runs : int
        Runs with at least one step.
    """

    spm: float
    steps: int
    runs: int


def median_step_s(contacts: Sequence[Contact]) -> float:
    """Return the median step time, s.

    Half the median interval between successive contacts of the same foot, which a
    missed contact of the other foot does not change.
    """
    strides: list[float] = []
    for side in ("left", "right"):
        t = np.sort([c.time_s for c in contacts if c.side == side])
        strides += np.diff(t).tolist()
    return 0.5 * float(np.median(strides)) if strides else float("nan")


def step_runs(contacts: Sequence[Contact], step_s: float | None = None) -> list[list[int]]:
    """Group the indices of ``contacts`` (one continuous segment, time order) in runs.

    A new run starts after a *gap*: the same foot twice in a row, or an interval longer
    than :data:`MAX_STEP_RATIO` median steps.

    Parameters
    ----------
    contacts : sequence of Contact
        Initial contacts of both feet in time order.
    step_s : float, optional
        Median step time, s; :func:`median_step_s` of ``contacts`` by default.
    """
    if not contacts:
        return []
    step = median_step_s(contacts) if step_s is None else step_s
    runs = [[0]]
    for k in range(1, len(contacts)):
        prev, cur = contacts[k - 1], contacts[k]
        gap = cur.side == prev.side or (
            np.isfinite(step) and cur.time_s - prev.time_s > MAX_STEP_RATIO * step)
        if gap:
            runs.append([k])
        else:
            runs[-1].append(k)
    return runs


def pooled_cadence(runs: Sequence[Sequence[float]]) -> Cadence:
    """Cadence from the contact times of each run (see the module docstring).

    Parameters
    ----------
    runs : sequence of sequences of float
        Contact times, s, of each run of consecutive contacts (time order).
    """
    sxy = sxx = 0.0
    steps = used = 0
    for times in runs:
        t = np.asarray(times, dtype=np.float64)
        if len(t) < 2:
            continue
        i = np.arange(len(t), dtype=np.float64)
        sxy += float(np.sum((i - i.mean()) * (t - t.mean())))
        sxx += float(np.sum((i - i.mean()) ** 2))
        steps += len(t) - 1
        used += 1
    spm = 60.0 / (sxy / sxx) if sxx > 0 and sxy > 0 else float("nan")
    return Cadence(spm, steps, used)


class _Stance(Protocol):
    @property
    def side(self) -> str: ...

    @property
    def ic_s(self) -> float: ...

    @property
    def segment(self) -> int: ...


S = TypeVar("S", bound=_Stance)


def split_at_missed_contacts(stances: Sequence[S]) -> tuple[list[S], dict[int, int]]:
    """Renumber stances (dataclasses, time order) so every step run is its own segment.

    Metrics never pair stances of different segments (no step, flight or stride across
    a gap in the video), so after this they never pair stances across a missed contact
    either. Returns the renumbered stances (``dataclasses.replace`` copies) and the
    number of contacts in each new segment.
    """
    out: list[S] = []
    sizes: dict[int, int] = {}
    new_id = 0
    for seg in sorted({s.segment for s in stances}):
        members = [s for s in stances if s.segment == seg]
        contacts = [_AsContact(s.side, s.ic_s) for s in members]
        for run in step_runs(contacts):
            sizes[new_id] = len(run)
            out += [dataclasses.replace(members[k], segment=new_id)  # type: ignore[type-var]
                    for k in run]
            new_id += 1
    return sorted(out, key=lambda s: s.ic_s), sizes


@dataclass(frozen=True)
class _AsContact:
    side: str
    time_s: float

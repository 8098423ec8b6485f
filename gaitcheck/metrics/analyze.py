"""Stances paired from gait events, the timing and frontal metrics.

Each metric follows its entry in :mod:`gaitcheck.metrics.definitions` (unit, valid
views) and its formula in :mod:`gaitcheck.metrics.formulas`; the side-view metrics are
in :mod:`gaitcheck.metrics.sagittal`. Confidence starts from the events' and
landmarks' quality and is lowered for far-side limbs (×0.6) and for few strides.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from gaitcheck.events.steps import Cadence, pooled_cadence
from gaitcheck.landmarks import LM
from gaitcheck.metrics import formulas as f
from gaitcheck.metrics.definitions import REGISTRY
from gaitcheck.metrics.frames import image_frontal
from gaitcheck.metrics.result import Metric, from_sides
from gaitcheck.sides import SIDES
from gaitcheck.tracks.tracks import LandmarkTracks

FAR_SIDE_FACTOR = 0.6


class Event(Protocol):
    """A gait event as :func:`pair_stances` reads it (read-only: frozen events fit)."""

    @property
    def side(self) -> str:
        """Foot, "left" or "right"."""

    @property
    def time_s(self) -> float:
        """Time, s."""

    @property
    def frame(self) -> float:
        """Fractional row of the tracks."""

    @property
    def confidence(self) -> float:
        """Confidence 0..1."""


@dataclass(frozen=True)
class PairedStance:
    """One initial contact paired with its toe-off, as the metrics measure it.

    Not the candidate stance of event detection (:class:`gaitcheck.events.stances.
    Stance`): this is the detector's final answer, one per contact.

    Attributes
    ----------
    side : {"left", "right"}
        Foot on the ground.
    ic, to : float
        Initial contact and toe-off as fractional rows of the tracks (TO may be NaN).
    ic_s, to_s : float
        The same as times, s (TO may be NaN).
    confidence : float
        Confidence of the contact, 0..1.
    segment : int
        Continuous stretch of video it lies in: no step, stride or flight is measured
        between stances of different segments (a gap in the video lies between).
    """

    side: str
    ic: float
    to: float
    ic_s: float
    to_s: float
    confidence: float
    segment: int = 0


def pair_stances(contacts: list[Event], toe_offs: list[Event],
                 segment_of: Callable[[Any], int] | None = None) -> list[PairedStance]:
    """Attach to every IC the first TO of the same foot, same segment, before its next IC.

    Parameters
    ----------
    contacts, toe_offs : list of Event
        Initial contacts and toe-offs of both feet, any order.
    segment_of : callable, optional
        Continuous segment of an event's frame; default: one segment.

    Returns
    -------
    list of PairedStance
        One per initial contact, in IC order; ``to`` and ``to_s`` NaN without a TO.
    """
    seg = segment_of or (lambda e: 0)
    out = []
    for side in SIDES:
        ics = sorted((c for c in contacts if c.side == side), key=lambda e: e.frame)
        tos = sorted((t for t in toe_offs if t.side == side), key=lambda e: e.frame)
        for k, ic in enumerate(ics):
            limit = ics[k + 1].frame if k + 1 < len(ics) else np.inf
            to = next((t for t in tos if ic.frame < t.frame < limit and seg(t) == seg(ic)),
                      None)
            out.append(PairedStance(side, ic.frame, to.frame if to else np.nan, ic.time_s,
                              to.time_s if to else np.nan, ic.confidence, seg(ic)))
    return sorted(out, key=lambda s: s.ic)


def _pooled_cadence(stances: list[PairedStance]) -> Cadence:
    """Cadence pooled over all segments, each a run of consecutive contacts.

    The pooled least-squares step period (:func:`gaitcheck.events.steps.pooled_cadence`;
    :func:`formulas.cadence_spm` on evenly detected contacts); NaN without a step.
    Issue 13: a missed contact splits the segment (analysis.py renumbers segments at
    gaps), so an interval holding a missed contact is never counted as one step.
    """
    return pooled_cadence([[s.ic_s for s in stances if s.segment == k]
                           for k in sorted({s.segment for s in stances})])


def finite(x: float, digits: int | None = None) -> float | None:
    """``x`` (rounded) if finite, else None: reports hold no NaN."""
    x = float(x)
    return (round(x, digits) if digits is not None else x) if np.isfinite(x) else None


def next_stride(stances: Sequence[PairedStance], k: int) -> PairedStance | None:
    """Return the next stance of the same foot in the same segment, or None."""
    st = stances[k]
    same = next((n for n in stances[k + 1:] if n.side == st.side), None)
    return same if same is not None and same.segment == st.segment else None


def confidence(base: float, n: float, side: str | None, near: str | None) -> float:
    """Lower confidence ``base`` for few values and for the far side, 0..1.

    Scaled by ``min(1, n / 6)`` for ``n`` values (strides or steps), and by
    :data:`FAR_SIDE_FACTOR` when ``side`` is not ``near`` (the limb farther from the
    camera); ``side`` or ``near`` None means no far-side factor.
    """
    c = base * min(1.0, n / 6.0)
    return c * (FAR_SIDE_FACTOR if near and side and side != near else 1.0)


def side_confidence(values: dict[str, list[float]], base: float, near: str | None) -> float:
    """Mean :func:`confidence` of the sides that have values; 0 without any."""
    parts = [confidence(base, len(v), s, near) for s, v in values.items() if v]
    return float(np.mean(parts)) if parts else 0.0


def measured_metric(key: str, values: dict[str, list[float]], conf: float,
                    unit: str | None = None, **extra: Any) -> Metric:
    """Build the metric ``key`` from per-side values with its registry unit and views.

    :func:`~gaitcheck.metrics.result.from_sides` with the unit and valid views of the
    registry entry ``key``; ``unit`` overrides a unit that depends on the input.
    """
    entry = REGISTRY[key]
    return from_sides(key, unit or entry.units[0], values, entry.valid_views, conf, **extra)


def temporal(stances: list[PairedStance], base: float) -> dict[str, Metric]:
    """Cadence, step time, contact time, flight time and duty factor.

    Parameters
    ----------
    stances : list of PairedStance
        Paired gait events in IC order (:func:`pair_stances`).
    base : float
        Confidence 0..1 before the stride-count factor (:func:`confidence`).

    Returns
    -------
    dict of Metric
        By report key; times in ms, duty factor in % of the stride.
    """
    step: dict[str, list[float]] = {s: [] for s in SIDES}
    contact: dict[str, list[float]] = {s: [] for s in SIDES}
    flight: dict[str, list[float]] = {s: [] for s in SIDES}
    duty: dict[str, list[float]] = {s: [] for s in SIDES}
    for k, st in enumerate(stances):
        prev = stances[k - 1] if k > 0 else None
        if prev is not None and prev.side != st.side and prev.segment == st.segment:
            step[st.side].append(1000 * (st.ic_s - prev.ic_s))
        if np.isfinite(st.to_s):
            contact[st.side].append(1000 * (st.to_s - st.ic_s))
            nxt = stances[k + 1] if k + 1 < len(stances) else None
            if nxt is not None and nxt.side != st.side and nxt.segment == st.segment:
                flight[st.side].append(1000 * (nxt.ic_s - st.to_s))
            same = next_stride(stances, k)
            if same is not None and same.ic_s > st.ic_s:
                duty[st.side].append(100 * (st.to_s - st.ic_s) / (same.ic_s - st.ic_s))
    n = len(stances)
    pooled = _pooled_cadence(stances)
    cadence = pooled.spm if n >= 2 else float("nan")
    conf = confidence(base, n / 2, None, None)
    entry = REGISTRY["cadence_spm"]
    return {
        "cadence_spm": Metric("cadence_spm", finite(cadence), entry.units[0],
                              conf if np.isfinite(cadence) else 0.0, entry.valid_views,
                              bool(np.isfinite(cadence)), None,
                              {"contacts": n, "steps_used": pooled.steps,
                               "step_runs": pooled.runs},
                              # per-step cadence, for its interval
                              samples=tuple(60000.0 / v for s in SIDES for v in step[s]
                                            if v > 0)),
        "step_time_ms": measured_metric("step_time_ms", step, conf),
        "ground_contact_ms": measured_metric("ground_contact_ms", contact, conf),
        "flight_ms": measured_metric("flight_ms", flight, conf),
        "duty_factor_pct": measured_metric("duty_factor_pct", duty, conf),
    }


def frontal_metrics(tracks: LandmarkTracks, view: str, stances: list[PairedStance],
                    base: float) -> dict[str, Metric]:
    """Arm crossover and lateral trunk lean (front and back views).

    Parameters
    ----------
    tracks : LandmarkTracks
        Cleaned tracks.
    view : {"front", "back"}
        Camera view; a front view is mirrored so lateral is positive to the subject's
        right (:func:`~gaitcheck.metrics.frames.image_frontal`).
    stances : list of PairedStance
        Paired gait events in IC order; crossover is measured per stride.
    base : float
        Confidence 0..1 before the stride-count factor (:func:`confidence`).

    Returns
    -------
    dict of Metric
        ``arm_crossover`` (fraction of shoulder width, with the % of strides crossing)
        and ``lateral_trunk_lean_deg`` (deg, positive towards the subject's right).
    """
    fr = image_frontal(tracks, view)

    def mid(a: str, b: str) -> np.ndarray:
        return (fr[:, LM[a]] + fr[:, LM[b]]) / 2

    sh_mid, hip_mid = mid("left_shoulder", "right_shoulder"), mid("left_hip", "right_hip")
    midline = (sh_mid + hip_mid) / 2
    width = np.linalg.norm(fr[:, LM["left_shoulder"]] - fr[:, LM["right_shoulder"]], axis=-1)
    cross: dict[str, list[float]] = {s: [] for s in SIDES}
    for k, st in enumerate(stances):
        same = next_stride(stances, k)
        if same is None:
            continue
        w = slice(int(np.ceil(st.ic)), int(np.floor(same.ic)) + 1)
        for s in SIDES:
            frac = f.crossover_fraction(fr[w, LM[f"{s}_wrist"], 0], midline[w, 0], width[w], s)
            if np.isfinite(frac).any() and s == st.side:
                cross[s].append(float(np.nanmax(frac)))
    pct = {s: [100.0 * float(v > 0) for v in cross[s]] for s in SIDES}
    lateral = f.trunk_lean_deg(hip_mid, sh_mid)
    crossing = measured_metric("arm_crossover", cross, side_confidence(cross, base, None))
    views = crossing.valid_for_view
    pct_metric = from_sides("", "%", pct, views, 1.0)
    pct_per_side = pct_metric.per_side or {}
    extra = dict(crossing.extra, pct_strides_crossing=pct_metric.value,
                 pct_strides_crossing_per_side={s: finite(pct_per_side[s].mean)
                                                for s in SIDES})
    crossing = Metric(crossing.key, crossing.value, crossing.unit, crossing.confidence,
                      crossing.valid_for_view, crossing.measurable, crossing.per_side, extra)
    seen = bool(np.isfinite(lateral).any())
    entry = REGISTRY["lateral_trunk_lean_deg"]
    return {
        "arm_crossover": crossing,
        "lateral_trunk_lean_deg": Metric("lateral_trunk_lean_deg",
                                         float(np.nanmean(lateral)) if seen else None,
                                         entry.units[0], base, entry.valid_views, seen),
    }


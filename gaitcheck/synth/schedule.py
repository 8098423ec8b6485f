"""Step timing of the synthetic gait and the smooth curves built on it.

A *step* ``k`` is one stance phase: initial contact (IC) of foot ``side[k]`` at
``ic[k]``, toe-off at ``to[k]``; sides alternate, left on even ``k``. The step time
``ic[k + 1] − ic[k]`` carries the cadence, the step-length asymmetry (as step-time
asymmetry at constant speed) and the seeded stride-to-stride variability.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gaitcheck.synth.params import GaitParams

LEFT, RIGHT = 0, 1
#: Shortest swing phase allowed, s: below it no leg can be brought forward.
MIN_SWING_S = 0.15


@dataclass(frozen=True, eq=False)
class Steps:
    """Per-step events and targets (arrays of shape (K,), time order).

    Attributes
    ----------
    side : numpy.ndarray of int
        0 = left, 1 = right.
    ic, to : numpy.ndarray
        Initial contact and toe-off times, s.
    strike_deg : numpy.ndarray
        Foot angle at IC, deg, toes up positive.
    knee_ic_deg : numpy.ndarray
        Knee flexion at IC, deg.
    """

    side: np.ndarray
    ic: np.ndarray
    to: np.ndarray
    strike_deg: np.ndarray
    knee_ic_deg: np.ndarray

    def __len__(self) -> int:
        return len(self.ic)

    @property
    def mid_stance(self) -> np.ndarray:
        """Middle of each stance, s."""
        return 0.5 * (self.ic + self.to)

    @property
    def mid_transition(self) -> np.ndarray:
        """Middle of flight (running) or of double support (walking) after each stance,
        ``(to[k] + ic[k + 1]) / 2``, s; the last one extrapolates by a step."""
        nxt = np.append(self.ic[1:], self.ic[-1] + (self.ic[-1] - self.ic[-2]))
        return 0.5 * (self.to + nxt)


def signed_split(mean: float, asym_pct: float) -> tuple[float, float]:
    """Left and right values whose mean is ``mean`` and whose signed symmetry index
    ``(R − L) / mean × 100`` is ``asym_pct``."""
    return mean * (1.0 - asym_pct / 200.0), mean * (1.0 + asym_pct / 200.0)


def build_steps(params: GaitParams, rng: np.random.Generator) -> Steps:
    """Steps covering the clip with two strides of margin on each side.

    Step times are ``T (1 ± a/200)(1 + cv ε)`` with ``T`` the mean step time, ``a`` the
    step-length asymmetry and ``ε`` standard normal clipped to ±3; contact time scales
    with the step time so the duty factor is kept step by step.

    Raises
    ------
    ValueError
        A step would lose its flight phase (running), its double support (walking), or
        leave less than :data:`MIN_SWING_S` of swing.
    """
    t_step, stride = params.step_time_s, params.stride_time_s
    # step_dur[side of the IC starting the step]: a left IC starts a right step.
    step_dur = signed_split(t_step, params.asym_step_length_pct)[::-1]
    contact = signed_split(params.contact_time_s, params.asym_contact_time_pct)
    first = -(params.start_phase + 2.0) * stride
    n = int(np.ceil((params.duration_s - first + 2.0 * stride) / t_step)) + 2
    eps = np.clip(rng.standard_normal((3, n)), -3.0, 3.0)
    side = np.arange(n) % 2
    scale = 1.0 + params.step_time_cv * eps[0]
    dur = np.where(side == LEFT, step_dur[0], step_dur[1]) * scale
    ic = first + np.concatenate([[0.0], np.cumsum(dur[:-1])])
    tc = np.where(side == LEFT, contact[0], contact[1]) * scale
    to = ic + tc
    knee = np.where(side == LEFT, *signed_split(params.knee_flexion_ic_deg,  # type: ignore
                                                params.asym_knee_flexion_pct))
    steps = Steps(side=side, ic=ic, to=to,
                  strike_deg=params.foot_strike_angle_deg + params.angle_sd_deg * eps[1],
                  knee_ic_deg=knee + params.angle_sd_deg * eps[2])
    _check_phases(steps, params.activity)
    return steps


def _check_phases(steps: Steps, activity: str) -> None:
    ic, to = steps.ic, steps.to
    if activity == "run" and np.any(to[:-1] >= ic[1:]):
        raise ValueError("contact time too long for running at this cadence: some stances "
                         "overlap (no flight); lower the contact time or the asymmetry")
    if activity == "walk" and np.any(to[:-1] <= ic[1:]):
        raise ValueError("contact time too short for walking: some steps have no double "
                         "support; raise the contact time or lower the asymmetry")
    swing = ic[2:] - to[:-2]
    if np.any(swing < MIN_SWING_S):
        raise ValueError(f"swing phase shorter than {MIN_SWING_S * 1000:.0f} ms: contact time "
                         "too long for this cadence")
    if np.any(steps.knee_ic_deg < 0.0):
        raise ValueError("knee flexion at IC would be negative (hyperextension): lower "
                         "angle_sd_deg or the knee asymmetry")


def halfcos_interp(t: np.ndarray, knots_t: np.ndarray, knots_y: np.ndarray) -> np.ndarray:
    """Join ``(knots_t, knots_y)`` by half-cosine segments.

    Each segment is ``y0 + (y1 − y0)(1 − cos(π s)) / 2`` in its normalised time ``s``,
    so the curve is C¹ with zero slope at every knot: the knots are exactly its local
    extremes and it never overshoots them. Times outside the knots are clamped.
    """
    t = np.asarray(t, dtype=np.float64)
    j = np.clip(np.searchsorted(knots_t, t, side="right") - 1, 0, len(knots_t) - 2)
    t0, t1 = knots_t[j], knots_t[j + 1]
    s = np.clip((t - t0) / (t1 - t0), 0.0, 1.0)
    return knots_y[j] + (knots_y[j + 1] - knots_y[j]) * 0.5 * (1.0 - np.cos(np.pi * s))


def vertical_knots(steps: Steps, hip_at_ic: np.ndarray, amplitude: float,
                   activity: str) -> tuple[np.ndarray, np.ndarray]:
    """Knots of the hip-midpoint height so each IC lands at the height its leg needs.

    Knots alternate between mid-stance and mid-transition (mid-flight when running,
    mid-double-support when walking). Running is lowest at mid-stance and highest in
    flight; walking (inverted pendulum) is highest at mid-stance. Each IC lies on one
    descending segment (running: mid-flight → mid-stance of the landing foot; walking:
    mid-stance of the other foot → mid-double-support); that segment gets exactly
    ``amplitude`` peak-to-trough and passes through ``hip_at_ic`` at the IC, which fixes
    both of its knots. With equal heights at every IC all segments have the amplitude.

    Parameters
    ----------
    steps : Steps
    hip_at_ic : numpy.ndarray, shape (K,)
        Hip-joint-centre height required at each IC, m.
    amplitude : float
        Vertical oscillation, m.
    activity : {"run", "walk"}

    Returns
    -------
    knots_t, knots_y : numpy.ndarray, shape (2K,)
    """
    m, n = steps.mid_stance, steps.mid_transition
    k = len(steps)
    knots_t = np.empty(2 * k)
    knots_t[0::2], knots_t[1::2] = m, n
    knots_y = np.full(2 * k, np.nan)
    for i in range(1, k):
        # Running: IC[i] in (n[i-1], m[i]) = knots (2i-1, 2i); walking: (m[i-1], n[i-1])
        # = knots (2i-2, 2i-1).
        a = 2 * i - 1 if activity == "run" else 2 * i - 2
        s = (steps.ic[i] - knots_t[a]) / (knots_t[a + 1] - knots_t[a])
        w = 0.5 * (1.0 + np.cos(np.pi * s))  # weight of the segment's first knot
        low = hip_at_ic[i] - amplitude * w  # first knot is the peak (amplitude above low)
        knots_y[a], knots_y[a + 1] = low + amplitude, low
    # The knots at the ends belong to no IC segment: copy those a stride away.
    for j in np.flatnonzero(np.isnan(knots_y)):
        knots_y[j] = knots_y[j + 4] if j + 4 < 2 * k else knots_y[j - 4]
    return knots_t, knots_y


def sway_knots(steps: Steps, amplitude: float) -> tuple[np.ndarray, np.ndarray]:
    """Knots of the lateral sway of the hip midpoint (world z, m): ``±amplitude`` towards
    the stance foot at each mid-stance (left is −z)."""
    return steps.mid_stance, np.where(steps.side == LEFT, -amplitude, amplitude)


def stride_phase(t: np.ndarray, steps: Steps, side: int) -> np.ndarray:
    """Phase of ``side``'s stride cycle at ``t``: 0 at its IC rising linearly to 1 at its
    next IC (so ``cos(2π phase)`` is continuous across strides)."""
    ics = steps.ic[steps.side == side]
    j = np.clip(np.searchsorted(ics, t, side="right") - 1, 0, len(ics) - 2)
    return (t - ics[j]) / (ics[j + 1] - ics[j])

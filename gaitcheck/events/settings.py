"""Settings of gait-event detection: one frozen, JSON-ready record.

The defaults are the values the detector was tuned and validated with (see the tests'
measured tolerances); ``report.json`` records the settings used under
``analysis.parameters.events``, so a result can be reproduced from its report alone.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class EventSettings:
    """How gait events are found and which candidates are kept.

    Parameters
    ----------
    max_gap_s : float
        Longest run of frames without pose bridged inside a segment, seconds on the
        tracks' clock; longer gaps split the clip and no event is placed in them.
    turn_margin_s : float
        Time dropped on each side of a turn, s: the steps into and out of a turn are
        not straight-line gait.
    min_segment_s : float
        Shortest continuous segment analysed, s.
    min_contacts : int
        Fewest contacts a segment must keep for its events to be reported.
    min_confidence : float
        Events below this confidence (0..1) are rejected.
    duty_bounds_run : tuple of float
        Plausible duty factor (contact time / stride time, 0..1) of a running stance:
        running has a flight phase (< 0.5; about 0.25–0.45 for recreational runners).
        Wide, to reject only impossible toe-offs.
    duty_bounds_walk : tuple of float
        The same for walking, which has double support (> 0.5; about 0.6–0.65).
    duty_bounds_unknown : tuple of float
        The same while the activity is not known (the union of the two).
    min_step_fraction : float
        A step shorter than this fraction of the segment's median step has a false
        contact.
    min_step_run_s : float
        Shortest physiological running step, real seconds (0.2 s is 300 steps/min,
        beyond sprinting); also used while the activity is unknown.
    min_step_walk_s : float
        Shortest physiological walking step, real seconds (0.3 s is 200 steps/min).
    same_foot_steps : float
        Two contacts of one foot closer than this many median steps leave no room for
        the other foot's contact between them: one of them is false.
    visibility_guess : float
        Mean MediaPipe visibility (0..1) of a foot at or below which its direct cues do
        not count at all: a far foot hidden behind equipment scores 0.6–0.8, and its
        position is guessed.
    visibility_seen : float
        Mean visibility from which a foot's direct cues count fully (a foot in plain
        view scores 0.95–0.99); linear between ``visibility_guess`` and this.
    vertical_snr : float
        Smallest ratio of the landing descent per frame to the pose jitter for which the
        vertical IC cue of a well-seen foot is used on its own (Fellin et al. 2010,
        J Sci Med Sport 13:646, doi:10.1016/j.jsams.2010.03.006).
    belt_fraction : float
        Fraction of the stance (belt) speed at which a foot counts as carried backwards
        by the ground (the horizontal IC cue).
    min_ground_band : float
        Smallest height band above the stance ground level that counts as "on the
        ground", leg lengths (about 1 px for a 300 px leg); otherwise 2.5 × the measured
        pose jitter.
    max_toe_rest : float
        Highest rest of the shoe tip's point before its lift-off that still counts as on
        the ground, leg lengths: the height of a shoe's toe cap (3–4 cm, ~0.04 leg),
        which MediaPipe's foot_index can slide up while the shoe pivots on its tip
        (:func:`gaitcheck.events.cues.lift_index`).
    toe_pivot_sd : float
        SD of the prior on the rise of foot_index over the heel's in push-off (ρ,
        unitless; the backend's toe reach ``u`` gives ``ρ₀ = u / (1 + u)``): each foot's
        tip point is read where its own push-off shows the shoe pivots, shrunk towards
        the backend's reach by the evidence's precision
        (:func:`gaitcheck.events.pivot.pivot_reach`). The spread of ρ between placements
        of foot_index on the shoe: the rendered runner's copies' ten feet read ρ
        0.065–0.224, SD 0.053, of which their standard errors (0.013–0.048) account for
        SD 0.024; 0 keeps the backend's reach.
    leg_swap_switch_cost : float
        Cost of entering or leaving the legs-exchanged state in the leg-swap repair,
        squared leg lengths.
    leg_swap_prior : float
        Cost per frame of the legs-exchanged state, squared leg lengths (swaps are rare).
    facing_threshold : float
        Smallest running-median heel-to-toe distance, leg lengths, that decides which way
        the feet point (a side-view foot spans about 0.25).
    foot_outlier_tolerance : float
        Smallest deviation of a heel- or toe-to-ankle distance from its median, leg
        lengths, that marks the foot as misplaced (else 4 robust SDs).
    """

    max_gap_s: float = 0.1
    turn_margin_s: float = 0.5
    min_segment_s: float = 1.0
    min_contacts: int = 3
    min_confidence: float = 0.15
    duty_bounds_run: tuple[float, float] = (0.12, 0.6)
    duty_bounds_walk: tuple[float, float] = (0.4, 0.85)
    duty_bounds_unknown: tuple[float, float] = (0.12, 0.85)
    min_step_fraction: float = 0.55
    min_step_run_s: float = 0.2
    min_step_walk_s: float = 0.3
    same_foot_steps: float = 1.5
    visibility_guess: float = 0.75
    visibility_seen: float = 0.95
    vertical_snr: float = 3.0
    belt_fraction: float = 0.7
    min_ground_band: float = 0.004
    max_toe_rest: float = 0.05
    toe_pivot_sd: float = 0.05
    leg_swap_switch_cost: float = 0.05
    leg_swap_prior: float = 0.02
    facing_threshold: float = 0.06
    foot_outlier_tolerance: float = 0.08

    def duty_bounds(self, activity: str | None) -> tuple[float, float]:
        """Duty-factor bounds for ``"run"``, ``"walk"`` or an unknown activity."""
        return {"run": self.duty_bounds_run,
                "walk": self.duty_bounds_walk}.get(activity or "", self.duty_bounds_unknown)

    def min_step_s(self, activity: str | None) -> float:
        """Shortest physiological step for the activity, real seconds."""
        return self.min_step_walk_s if activity == "walk" else self.min_step_run_s

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (tuples as lists)."""
        return {k: list(v) if isinstance(v, tuple) else v
                for k, v in dataclasses.asdict(self).items()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> EventSettings:
        """Read settings saved by :meth:`to_dict`.

        Inverse of :meth:`to_dict`; unknown keys (a newer gaitcheck) are ignored and
        missing ones take their default.
        """
        names = {f.name for f in dataclasses.fields(cls)}
        kwargs: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v
                                  for k, v in data.items() if k in names}
        return cls(**kwargs)


#: The validated defaults.
DEFAULT_EVENT_SETTINGS = EventSettings()

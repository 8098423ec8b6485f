"""Settings of track cleaning: one frozen, JSON-ready record.

The defaults are the values the cleaning was tuned and validated with; ``report.json``
records the settings used under ``analysis.parameters.cleaning``, so a result can be
reproduced from its report alone.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class CleaningSettings:
    """How landmark tracks are cleaned.

    How landmark tracks are gated, repaired, filled and filtered
    (:func:`gaitcheck.tracks.clean.clean_tracks`).

    Parameters
    ----------
    min_visibility : float
        Landmarks with a lower MediaPipe visibility (0..1) are treated as missing.
        Visibility says whether a point is in view and unoccluded, not how well it is
        placed (far hips and knees in side views score 0.3–0.6 yet sit well); below 0.2
        the point is hidden and guessed (the far arm behind the trunk).
    max_gap_ms : float
        Longest gap filled by interpolation, ms (about one running ground contact: a
        longer one could hide a whole event); longer gaps stay missing.
    hampel_half_window_ms : float
        Half-window of the Hampel outlier test, ms (±3 frames at 30 fps).
    hampel_n_sigma : float
        Hampel threshold, robust standard deviations.
    hampel_min_sigma : float
        Floor of the Hampel robust SD, fraction of body height (about MediaPipe's
        jitter): sharp but real heel and toe turns are kept.
    cutoff_run_hz : float
        −3 dB cut-off of the zero-lag low-pass for running (and an unknown activity),
        Hz: running kinematics carry power to 10–12 Hz (Winter, *Biomechanics and
        Motor Control of Human Movement*, residual analysis); 12 Hz because the foot
        turns flat within about 40 ms of a heel strike (10 Hz biased synthetic strike
        angles by 2°).
    cutoff_walk_hz : float
        The same for walking, whose kinematics carry power to about 6 Hz.
    max_cutoff_fps_fraction : float
        The cut-off never exceeds this fraction of the frame rate (0.4: 0.8 × Nyquist).
    filter_order : int
        Butterworth order of one pass; forward-backward filtering doubles it (the usual
        4th-order zero-lag filter).
    min_filter_segment : int
        Gap-free stretches shorter than this many frames stay unfiltered.
    swap_prior : float
        Cost per frame of the left/right-exchanged state in the swap repair, body
        heights (swaps are rare).
    swap_switch_cost : float
        Cost of entering or leaving the exchanged state, body heights.
    swap_cap : float
        Cap of one frame's prediction error in the swap repair, body heights, so a
        glitch cannot dominate.
    swap_partial_cost : float
        Extra cost per frame in which a leg's foot (ankle, heel, toe) is exchanged but
        not its thigh (hip, knee), or the reverse, body heights: such partial swaps occur
        on compressed video and must not be explained by exchanging whole legs.
    max_anchor_gap : int
        Ankle gaps bridged (frames) when judging whether a foot was misplaced.
    far_foot_collapse_ratio : float
        Feet count as collapsed onto each other when their mean heel-heel and toe-toe
        distance is below this fraction of the ankle-ankle distance (mediapipe issue
        #3496: the far foot drawn onto the near one).
    far_foot_max_reach : float
        A heel or toe beyond this multiple of its clip's 90th percentile distance from
        the ankle is misplaced (a rigid foot only foreshortens).
    leg_collapse : bool
        Drop and gap-fill both lower legs where neither left/right labelling fits
        (:mod:`gaitcheck.tracks.collapse`). Off: on the CRF 35 render it cuts the near
        knee's error at contact from 7.3° to 3.7° (mean), but it moves the walking
        clip's CRF 35 foot strike by −3.4° (contacts left without a strike angle); see
        ``benchmarks/compression_ic.py``.
    edge_margin : float
        Border band of the picture, fraction of its width or height: a landmark inside
        it with a visibility below ``edge_min_visibility`` (or outside the picture) is not
        measured, and a frame where this hits the head or trunk is left out
        (:mod:`gaitcheck.tracks.unusable`).
    edge_min_visibility : float
        See ``edge_margin`` (0..1).
    torso_half_window_s : float
        Half-width of the running median the hip→shoulder line is compared with, s.
    torso_max_turn_deg : float
        A frame whose hip→shoulder line turns more than this from its running median is
        left out, degrees (real clips turn ≤ 12° frame to median, even dimmed or CRF 35;
        lost poses 30–160°).
    torso_max_length_ratio : float
        The same for the line's length, as a ratio either way (real clips ≤ 1.12).
    """

    min_visibility: float = 0.2
    max_gap_ms: float = 250.0
    hampel_half_window_ms: float = 100.0
    hampel_n_sigma: float = 3.0
    hampel_min_sigma: float = 0.006
    cutoff_run_hz: float = 12.0
    cutoff_walk_hz: float = 6.0
    max_cutoff_fps_fraction: float = 0.4
    filter_order: int = 2
    min_filter_segment: int = 10
    swap_prior: float = 0.02
    swap_switch_cost: float = 0.3
    swap_cap: float = 0.3
    swap_partial_cost: float = 0.1
    max_anchor_gap: int = 4
    far_foot_collapse_ratio: float = 0.5
    far_foot_max_reach: float = 1.5
    leg_collapse: bool = False
    edge_margin: float = 0.01
    edge_min_visibility: float = 0.5
    torso_half_window_s: float = 0.5
    torso_max_turn_deg: float = 25.0
    torso_max_length_ratio: float = 1.33

    def cutoff_hz(self, activity: str | None) -> float:
        """Return the low-pass cut-off for an activity, Hz.

        The low-pass cut-off for ``"run"``, ``"walk"`` or an unknown activity (as
        running), Hz, before the frame-rate cap.
        """
        return self.cutoff_walk_hz if activity == "walk" else self.cutoff_run_hz

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CleaningSettings:
        """Read settings saved by :meth:`to_dict`.

        Inverse of :meth:`to_dict`; unknown keys (a newer gaitcheck) are ignored and
        missing ones take their default.
        """
        names = {f.name for f in dataclasses.fields(cls)}
        kwargs: dict[str, Any] = {k: v for k, v in data.items() if k in names}
        return cls(**kwargs)


#: The validated defaults.
DEFAULT_CLEANING_SETTINGS = CleaningSettings()

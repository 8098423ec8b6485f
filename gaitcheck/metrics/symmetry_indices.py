"""The left-right comparisons of the registry's metrics (``metrics.asymmetry``).

Pure data; the comparisons themselves are in :mod:`gaitcheck.metrics.symmetry`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SymmetryIndex:
    """A left-right comparison ``metrics.asymmetry.<name>`` of a registry metric.

    It compares the per-side means (see :mod:`gaitcheck.metrics.symmetry`).

    Times and lengths use the symmetry index (Robinson et al. 1987, J Manipulative
    Physiol Ther 10:172, PMID 2958572): SI = |L − R| / (0.5 (L + R)) × 100, flagged when
    its interval lies above ``threshold`` (%). Angles and fractions near zero, where an
    SI explodes (4.7° vs 9.4° is "66 %"), use the absolute difference |L − R| in the
    metric's unit, flagged when its interval lies above ``threshold`` (that unit), a
    value above the measured noise of the metric.

    Attributes
    ----------
    name : str
        Key in ``metrics.asymmetry``.
    metric : str
        The :data:`REGISTRY` metric it compares.
    words : str
        How a finding names it; empty = ``name`` with spaces.
    kind : {"si", "abs_diff"}
        Symmetry index (times, lengths) or absolute difference (angles, fractions).
    threshold : float
        Flag level: % for "si", the metric's unit for "abs_diff".
    side_view : bool
        Comparable in a side view: both legs are seen there on enough strides only for
        event timing; a hidden far limb's angles are "not measurable in this view".
    """

    name: str
    metric: str
    words: str = ""
    kind: str = "si"
    threshold: float = 10.0
    side_view: bool = False

    @property
    def phrase(self) -> str:
        """The index in a sentence ("knee flexion at contact")."""
        return self.words or self.name.replace("_", " ")


#: The left-right comparisons, in report order. Angle thresholds: several times the
#: angle's systematic floor (knee 2°, foot angle 3.3°, arm swing 5°), so a flagged
#: difference is not noise.
SYMMETRY_INDICES: tuple[SymmetryIndex, ...] = (
    SymmetryIndex("step_time", "step_time_ms", side_view=True),
    SymmetryIndex("contact_time", "ground_contact_ms", side_view=True),
    SymmetryIndex("flight_time", "flight_ms", side_view=True),
    SymmetryIndex("knee_flexion_ic", "knee_flexion_ic_deg", "knee flexion at contact",
                  "abs_diff", 6.0),
    SymmetryIndex("foot_strike_angle", "foot_strike", "foot angle at contact", "abs_diff",
                  8.0),
    SymmetryIndex("arm_swing", "arm_swing_deg", kind="abs_diff", threshold=15.0),
    SymmetryIndex("vertical_excursion", "vertical_oscillation", "vertical bounce"),
    SymmetryIndex("arm_crossover", "arm_crossover", kind="abs_diff", threshold=0.15),
)
#: Symmetry-index names (``metrics.asymmetry``) → the metric they compare.
SYMMETRY_SOURCES: dict[str, str] = {si.name: si.metric for si in SYMMETRY_INDICES}

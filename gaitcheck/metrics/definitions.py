"""The metric registry: one entry per reported metric, keyed by its ``report.json`` key.

Everything gaitcheck says about a metric besides its formula lives here: what it
measures (landmarks, sign, unit, reference), how it is shown (label, group, decimals,
CSV columns), when it is trusted (valid views, plausible range) and how it is judged
(reference band). The reports, the terminal and batch summaries, the findings, the
plausibility check and the synthetic truth all read their metric lists from
:data:`REGISTRY`, whose order is the display order. The formulas are in
:mod:`gaitcheck.metrics.formulas`; the analyzers in :mod:`gaitcheck.metrics.analyze`
and :mod:`gaitcheck.metrics.sagittal`.

Adding a metric: an entry here, its analyzer, and its value in
:func:`gaitcheck.synth.truth.true_metrics`; ``tests/test_registry.py`` fails until the
analysis emits it in its valid views.

Pure data: importable without numpy (the batch summary reads it in the main process).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from gaitcheck.metrics.sources import (
    CUES,
    HEIDERSCHEIT,
    LIEBERMAN,
    MOORE,
    NO_BAND,
    NOVACHECK,
    SOUZA,
    TENG_POWERS,
    UNVERIFIED,
)

# Re-exported: the comparisons were defined here before (metrics/symmetry_indices.py).
from gaitcheck.metrics.symmetry_indices import SYMMETRY_INDICES as SYMMETRY_INDICES
from gaitcheck.metrics.symmetry_indices import SYMMETRY_SOURCES as SYMMETRY_SOURCES
from gaitcheck.metrics.symmetry_indices import SymmetryIndex as SymmetryIndex
from gaitcheck.metrics.systematic import floors


@dataclass(frozen=True)
class Band:
    """Typical range of a metric in healthy recreational runners (or walkers).

    Attributes
    ----------
    low, high : float or None
        Bounds of the typical range (None = open), in the metric's unit.
    source : str
        Where the range comes from.
    unit : str or None
        The band applies only when the metric is reported in this unit (vertical
        oscillation has a band in cm, none in % of leg length); None = any unit.
    """

    low: float | None
    high: float | None
    source: str
    unit: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the band as ``report.json`` ``reference_bands`` holds it."""
        return {"low": self.low, "high": self.high, "source": self.source}


@dataclass(frozen=True)
class MetricDefinition:
    """Everything gaitcheck states about one reported metric.

    Attributes
    ----------
    key : str
        Key in ``report.json`` ``metrics``.
    label : str
        Plain name for reports and tables ("Ground contact time").
    group : str
        Card group of the HTML report ("Timing", "Posture", "Foot and leg", "Arms").
    units : tuple of str
        Units ``report.json`` may give it in; more than one when the unit depends on
        the input (vertical oscillation: "cm" with the runner's height, else
        "% leg length").
    landmarks : str
        Landmarks (and events) it is measured from.
    sign : str
        Sign convention ("none" for magnitudes).
    reference : str
        Source of the definition or of its reference band, with DOI where one exists.
    valid_views : tuple of str
        Views in which it is measured ("side", "front", "back").
    decimals : int
        Decimals shown for its values in the HTML report and the terminal.
    plausible : tuple of float
        Headline values no runner or walker produces lie outside ``(low, high)`` (its
        unit): such a value means the pose, the view or the events are wrong, so it is
        withheld. Deliberately wide.
    csv_columns : tuple of str
        Its ``metrics_summary.csv`` column, with the unit as suffix; one per entry of
        ``units``.
    per_side : bool
        Whether it is reported per foot (``per_side``, and ``_left``/``_right`` CSV
        columns).
    per_contact : bool
        Whether its ``per_stride`` lists hold exactly one value per initial contact of
        that side, in time order; then ``contacts.csv`` has it in a column named
        ``csv_columns[0]``.
    headline : bool
        Shown in the summaries: the terminal table, the HTML summary tiles and the
        batch ``summary.csv``.
    short_label : str
        Label in the narrow terminal table; empty = ``label``.
    band, walking_band : Band or None
        Reference band for running and for walking; None = no band (no finding).
    above_band_severity : str
        Finding severity when the value is above the band ("mild" or "moderate"); below
        the band is always "mild".
    noise_floor : float or None
        Smallest change ``gaitcheck compare`` calls real for a metric reported without
        per-stride values, in its unit (chosen, not measured); None = per-stride noise.
    uncertainty_floor : float or None
        Systematic floor of its 95 % interval, a half-width in its unit (in video frames
        for the frame-timed metrics of :data:`gaitcheck.metrics.systematic.FRAME_TIMED`),
        from the consistency suite's ``systematic.json`` or else its documented
        fallback (:mod:`gaitcheck.metrics.systematic`); filled on import.
    floor_origin : str
        "measured" (consistency suite) or "fallback" (chosen, not measured).
    cue : str or None
        What a runner can try when a finding fires (:data:`CUES`); filled on import.
    band_note : str or None
        Why the metric has no running band (:data:`NO_BAND`: the sources checked and how
        their definition differs from the one measured); filled on import.
    """

    key: str
    label: str
    group: str
    units: tuple[str, ...]
    landmarks: str
    sign: str
    reference: str
    valid_views: tuple[str, ...]
    decimals: int
    plausible: tuple[float, float]
    csv_columns: tuple[str, ...]
    per_side: bool = True
    per_contact: bool = False
    headline: bool = False
    short_label: str = ""
    band: Band | None = None
    walking_band: Band | None = None
    above_band_severity: str = "mild"
    noise_floor: float | None = None
    uncertainty_floor: float | None = None
    floor_origin: str = ""
    cue: str | None = None
    band_note: str | None = None

    @property
    def unit(self) -> str:
        """The unit, or the units joined by "or" when it depends on the input."""
        return " or ".join(self.units)

    @property
    def terminal_label(self) -> str:
        """Label in the terminal table."""
        return self.short_label or self.label

    def csv_column(self, unit: str | None) -> str:
        """Summary-CSV column of the metric reported in ``unit``.

        The last column when the unit is not one of :attr:`units`.
        """
        return self.csv_columns[self.units.index(unit)] if unit in self.units else \
            self.csv_columns[-1]

    def band_for(self, unit: str | None, activity: str | None) -> Band | None:
        """Return the reference band of the metric reported in ``unit``, or None.

        Parameters
        ----------
        unit : str or None
            Unit the metric is reported in; a band tied to another unit does not apply.
        activity : str or None
            ``"walk"`` selects :attr:`walking_band`; anything else (running) :attr:`band`.
        """
        band = self.walking_band if activity == "walk" else self.band
        return band if band is not None and band.unit in (None, unit) else None

    def describe(self) -> dict[str, Any]:
        """Return what the HTML report shows of the definition."""
        return {"key": self.key, "unit": self.unit, "landmarks": self.landmarks,
                "sign": self.sign, "valid_views": self.valid_views,
                "reference": self.reference, "band_note": self.band_note}


#: Foot-strike cut-offs of the HTML gauge and the strike class live with the formula
#: (:data:`gaitcheck.metrics.formulas.ALTMAN_DAVIS_CUTOFFS_DEG`).
SIDE, FRONTAL, ALL_VIEWS = ("side",), ("front", "back"), ("side", "front", "back")
#: Stance timing: both feet's contacts and toe-offs are found in side and back views.
SIDE_BACK = ("side", "back")
TIMING, POSTURE, LEG, ARMS = "Timing", "Posture", "Foot and leg", "Arms"
_ENTRIES: tuple[MetricDefinition, ...] = (
    # Timing
    MetricDefinition(
        "cadence_spm", "Cadence", TIMING, ("steps/min",), "initial contacts of both feet",
        "none", f"steps of both feet per minute; band: {LIEBERMAN}", ALL_VIEWS, 0,
        (40.0, 300.0), ("cadence_spm",), per_side=False, headline=True,
        # One step more or less in a 30-s clip is 2 steps/min.
        noise_floor=2.0,
        # Only low cadence is judged: a high one is no fault.
        band=Band(155.0, None, f"{LIEBERMAN}: metabolically optimal stride frequency "
                  "84.8 ± 3.6 strides/min (169.6 ± 7.2 steps/min, 14 runners at 3.0 m/s); "
                  "band = mean − 2 SD")),
    MetricDefinition(
        "step_time_ms", "Step time", TIMING, ("ms",),
        "initial contact → next initial contact of the other foot", "none",
        f"step duration ({NOVACHECK})", ALL_VIEWS, 0, (150.0, 1600.0), ("step_time_ms",)),
    MetricDefinition(
        "ground_contact_ms", "Ground contact time", TIMING, ("ms",),
        "initial contact → toe-off of each foot", "none", f"stance duration ({NOVACHECK})",
        SIDE_BACK, 0,
        (70.0, 1600.0), ("ground_contact_ms",), headline=True,
        short_label="Ground contact",
        # No band: no published range for this definition was verified (shown for
        # tracking over time).
        ),
    MetricDefinition(
        "flight_ms", "Flight time", TIMING, ("ms",),
        "toe-off → next initial contact (other foot)",
        "negative = double support (walking)", f"float (aerial) phase ({NOVACHECK})", SIDE_BACK,
        0,
        (-1000.0, 500.0),
        ("flight_ms",), headline=True),
    MetricDefinition(
        "duty_factor_pct", "Duty factor", TIMING, ("%",), "contact time / stride time",
        "none", "Minetti 1998, J Biomech 31:463, doi:10.1016/S0021-9290(98)00038-4",
        SIDE_BACK,
        1, (10.0, 90.0), ("duty_factor_pct",), headline=True),
    # Posture
    MetricDefinition(
        "trunk_lean_deg", "Forward trunk lean", POSTURE, ("deg",),
        "hip joint centres (MediaPipe hips raised 2.4 % of hip → ear) → shoulder midpoint",
        "forward positive, from vertical (formulas.trunk_posture_deg)",
        "sagittal trunk inclination; band: Teng & Powers 2014, J Orthop Sports Phys Ther "
        "44:785, doi:10.2519/jospt.2014.5249; measured error −1.6…0° against rendered "
        "runners' truth, +1.5° against hand-marked frames of a real runner",
        SIDE, 1, (-30.0, 50.0), ("trunk_lean_deg",),
        headline=True, short_label="Trunk lean",
        # Only a large lean is judged: an upright trunk is common and no verdict.
        band=Band(None, 14.5, f"{TENG_POWERS}: self-selected trunk flexion 7.3 ± 3.6° "
                  "(24 recreational runners, 3.4 m/s); band = mean + 2 SD")),
    MetricDefinition(
        "head_forward_deg", "Head-forward angle", POSTURE, ("deg",),
        "shoulder joint → tragus, measured as neck base → ear, MediaPipe's ear and hip "
        "offsets corrected",
        "forward positive, from vertical (formulas.head_posture_deg)",
        "forward head posture, complement of the craniovertebral angle (Yip et al. 2008, "
        "Man Ther 13:148, doi:10.1016/j.math.2006.11.002); measured error −2.9…+2.9° "
        "against rendered runners' truth, −2.0° against hand-marked frames of a real "
        "runner", SIDE, 1, (-45.0, 80.0),
        # No band: no published norm exists for a running neck-base → ear angle (clinical
        # craniovertebral norms are for standing, with C7); tracked over time instead.
        ("head_forward_deg",), headline=True, short_label="Head forward"),
    MetricDefinition(
        "lateral_trunk_lean_deg", "Lateral trunk lean", POSTURE, ("deg",),
        "hip midpoint → shoulder midpoint, frontal plane",
        "toward the subject's right positive, from vertical",
        f"frontal trunk inclination ({SOUZA})", FRONTAL, 1, (-40.0, 40.0),
        ("lateral_trunk_lean_deg",), per_side=False, headline=True,
        # Below one degree camera roll and landmark jitter dominate.
        noise_floor=1.0),
    # Foot and leg
    MetricDefinition(
        "foot_strike", "Foot strike (foot angle at contact)", LEG, ("deg",),
        "heel → foot_index vs the ground line at IC, relative to the flat foot",
        "toes up positive", "Altman & Davis 2012, Gait Posture 35:298, doi:10.1016/j.gaitpost."
        "2011.09.104: cut-offs 8.0° / -1.6° (Mo et al.: 7.4° / -0.8°)", SIDE, 1,
        (-45.0, 60.0), ("foot_strike_angle_deg",), headline=True,
        short_label="Foot strike"),
    MetricDefinition(
        "knee_flexion_ic_deg", "Knee flexion at contact", LEG, ("deg",),
        "hip, knee, ankle at initial contact", "flexion positive, 0 = straight", NOVACHECK,
        SIDE, 1, (-15.0, 90.0), ("knee_flexion_ic_deg",), per_contact=True, headline=True,
        short_label="Knee flexion at IC",
        band=Band(10.0, 26.0, f"{HEIDERSCHEIT}, Table 3: 17.8 ± 4.0° at the preferred "
                  "step rate (45 recreational runners, 3-D motion capture); band = mean ± "
                  "2 SD")),
    MetricDefinition(
        "knee_flexion_peak_stance_deg", "Peak knee flexion in stance", LEG, ("deg",),
        "hip, knee, ankle; maximum between initial contact and toe-off",
        "flexion positive, 0 = straight", NOVACHECK, SIDE, 1, (-10.0, 120.0),
        ("knee_flexion_peak_stance_deg",)),
    MetricDefinition(
        "hip_extension_to_deg", "Hip extension at toe-off", LEG, ("deg",),
        "thigh (hip → knee) vs the trunk line at toe-off",
        "thigh behind the trunk line positive", f"sagittal hip angle ({NOVACHECK})", SIDE,
        1, (-60.0, 80.0), ("hip_extension_to_deg",)),
    MetricDefinition(
        "overstride_pct", "Overstride", LEG, ("% leg length",),
        "heel vs hip midpoint at IC; leg length = thigh + shank",
        "heel ahead of hip positive",
        f"foot landing position relative to the hip ({LIEBERMAN}); overstriding ({SOUZA})",
        SIDE, 1, (-60.0, 80.0),
        ("overstride_pct_leg",), per_contact=True, headline=True),
    MetricDefinition(
        "shank_angle_deg", "Shank angle at contact", LEG, ("deg",), "ankle → knee at IC",
        "ankle ahead of knee positive", SOUZA, SIDE, 1, (-50.0, 60.0),
        ("shank_angle_deg",), per_contact=True, headline=True,
        # No band: Souza 2016 asks for a near-vertical shank but gives no cut-off.
        short_label="Shank angle at IC", above_band_severity="moderate"),
    MetricDefinition(
        "vertical_oscillation", "Vertical oscillation", LEG, ("cm", "% leg length"),
        "hip midpoint, peak-to-trough per step", "none",
        MOORE, SIDE, 1,
        (0.0, 50.0), ("vertical_oscillation_cm", "vertical_oscillation_pct_leg"),
        # No band: a range for this definition was not verified in Moore 2016.
        headline=True, short_label="Vertical oscill."),
    # Arms
    MetricDefinition(
        "arm_swing_deg", "Arm swing", ARMS, ("deg",),
        "shoulder → elbow from the downward vertical", "peak-to-peak range per stride",
        f"sagittal arm swing; keeping it aids running economy ({MOORE})", SIDE, 1,
        (0.0, 180.0), ("arm_swing_deg",)),
    MetricDefinition(
        "elbow_angle_deg", "Elbow angle", ARMS, ("deg",),
        "shoulder, elbow, wrist; mean over each stride", "flexion positive, 0 = straight",
        "elbow flexion (no reference band)", SIDE, 1, (0.0, 180.0),
        ("elbow_angle_deg",)),
    MetricDefinition(
        "arm_crossover", "Arm crossover", ARMS, ("fraction of shoulder width",),
        "wrist vs shoulder/hip midline, frontal plane", "past midline positive",
        "wrist past the midline (no published source for a cut-off)", FRONTAL, 2,
        (-3.0, 3.0),
        ("arm_crossover_frac_shoulder_width",), headline=True),
)

_FLOORS = floors()
_ENTRIES = tuple(dataclasses.replace(e, uncertainty_floor=_FLOORS[e.key][0] if e.key in _FLOORS
                                     else None,
                                     floor_origin=_FLOORS.get(e.key, (None, ""))[1],
                                     cue=CUES.get(e.key),
                                     band_note=None if e.band is not None else
                                     NO_BAND.get(e.key, UNVERIFIED)) for e in _ENTRIES)
#: Every reported metric by ``report.json`` key, in display order.
REGISTRY: dict[str, MetricDefinition] = {e.key: e for e in _ENTRIES}
#: HTML card groups in page order.
GROUPS: tuple[str, ...] = tuple(dict.fromkeys(e.group for e in _ENTRIES))
#: Metrics of the summaries (terminal, HTML tiles, batch), in display order.
HEADLINE: tuple[str, ...] = tuple(e.key for e in _ENTRIES if e.headline)


def in_group(group: str) -> tuple[str, ...]:
    """Keys of the metrics of one :data:`GROUPS` entry, in display order."""
    return tuple(e.key for e in _ENTRIES if e.group == group)


def band_for(key: str, unit: str | None, activity: str | None) -> Band | None:
    """Return the reference band of metric ``key`` reported in ``unit`` for ``activity``.

    None when the metric has no band for them, or ``key`` is not in the registry; see
    :meth:`MetricDefinition.band_for`.
    """
    entry = REGISTRY.get(key)
    return entry.band_for(unit, activity) if entry is not None else None

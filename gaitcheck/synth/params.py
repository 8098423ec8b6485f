"""Parameters of the synthetic runner (or walker), with defaults, validation and JSON.

Every parameter is a value the generated motion meets *exactly* at the stated event
(see :mod:`gaitcheck.synth.kinematics`), so it doubles as the ground truth of a test.
Definitions follow :mod:`gaitcheck.metrics.definitions`.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any

from gaitcheck.metrics.formulas import ALTMAN_DAVIS_CUTOFFS_DEG, strike_class
from gaitcheck.synth.anthropometry import DEFAULT_PROPORTIONS

ACTIVITIES = ("run", "walk")
SETTINGS = ("treadmill", "overground")
#: Foot angle at initial contact (deg, toes up positive) set by each ``strike`` preset.
STRIKE_PRESETS_DEG = {"rearfoot": 15.0, "midfoot": 3.0, "forefoot": -10.0}

#: Activity-dependent defaults of the parameters left as ``None``.
ACTIVITY_DEFAULTS: dict[str, dict[str, float]] = {
    "run": {"cadence_spm": 170.0, "speed_mps": 3.3, "trunk_lean_deg": 8.0,
            "knee_flexion_ic_deg": 15.0, "overstride_pct": 18.0,
            "vertical_oscillation_cm": 8.0, "step_width_m": 0.07, "arm_swing_deg": 60.0,
            "elbow_flexion_deg": 90.0},
    "walk": {"cadence_spm": 110.0, "speed_mps": 1.3, "trunk_lean_deg": 3.0,
             "knee_flexion_ic_deg": 5.0, "overstride_pct": 30.0,
             "vertical_oscillation_cm": 4.0, "step_width_m": 0.10, "arm_swing_deg": 35.0,
             "elbow_flexion_deg": 25.0},
}
#: Default duty factor (contact time / stride time): running 250 ms at 170 spm
#: (Novacheck 1998 reports ≈ 0.35 at jogging speed); walking ≈ 0.62 (Perry 1992).
DEFAULT_DUTY_FACTOR = {"run": 0.25 * 170.0 / 120.0, "walk": 0.62}


@dataclass(frozen=True)
class GaitParams:
    """Everything that defines a synthetic gait clip.

    ``None`` fields take the default of the ``activity`` (see
    :data:`ACTIVITY_DEFAULTS`), resolved on construction so :meth:`to_dict` records the
    values used. Asymmetries are signed symmetry indices, ``(R − L) / mean(L, R) × 100``
    (the unsigned form is Robinson et al. 1987); the side means stay at the parameter.

    Parameters
    ----------
    activity : {"run", "walk"}
        Running has a flight phase (duty factor < 0.5); walking has double support
        (0.5 < duty factor < 0.9).
    setting : {"treadmill", "overground"}
        Treadmill: the hip midpoint stays at ``x = 0`` and the stance foot moves
        backwards at the belt speed ``speed_mps``. Overground: the hip midpoint moves
        forward at ``speed_mps`` and the stance foot is fixed on the ground.
    cadence_spm : float
        Steps of both feet per minute (default 170 run, 110 walk).
    speed_mps : float
        Running speed (belt speed on a treadmill), m/s (default 3.3 run, 1.3 walk).
    contact_time_ms, duty_factor : float, optional
        Give at most one: ground contact time per step (IC → toe-off, ms) or the duty
        factor (contact time / stride time). Default duty factor: 0.354 run (250 ms at
        170 spm), 0.62 walk.
    trunk_lean_deg : float
        Hip-midpoint → shoulder-midpoint line from vertical in the sagittal plane,
        forward positive, deg (default 8 run, 3 walk). Constant over time.
    head_forward_deg : float
        Shoulder-midpoint → ear-midpoint line from vertical in the sagittal plane,
        forward positive, deg (default 15). Constant over time.
    strike : {"rearfoot", "midfoot", "forefoot"}, optional
        Preset for ``foot_strike_angle_deg`` (15, 3, −10°); must agree with its
        Altman & Davis (2012) class when both are given.
    foot_strike_angle_deg : float, optional
        Heel → foot_index line relative to the ground at initial contact, toes up
        positive, deg (default: the preset, rearfoot).
    knee_flexion_ic_deg : float
        Knee flexion at initial contact, 180° − hip-knee-ankle angle, deg (default 15
        run, 5 walk).
    overstride_pct : float
        Horizontal distance of the heel ahead of the hip midpoint at initial contact, %
        of leg length (thigh + shank) (default 18 run ≈ 0.15 m, 30 walk ≈ 0.26 m at
        1.75 m).
    vertical_oscillation_cm : float
        Peak-to-trough excursion of the hip midpoint per step, cm (default 8 run, 4
        walk). Lowest at mid-stance when running, highest when walking.
    step_width_m : float
        Lateral distance between the left and right foot lines, m (default 0.07 run,
        0.10 walk).
    arm_swing_deg : float
        Peak-to-peak shoulder flexion–extension (upper arm relative to the trunk), deg
        (default 60 run, 35 walk).
    elbow_flexion_deg : float
        Mean elbow flexion, 0 = straight, deg (default 90 run, 25 walk); it varies by
        ±5° (more flexed in the forward swing).
    arm_crossover : float, optional
        Signed distance the wrist passes the body midline (frontal plane) at the peak of
        the forward swing, as a fraction of shoulder width (shoulder joint centres);
        0 = reaches the midline without crossing, negative = stays lateral of it.
        ``None``: natural carriage (forearm rotated 20° medially, no crossover).
    asym_contact_time_pct, asym_step_length_pct, asym_knee_flexion_pct, \
asym_arm_swing_pct : float
        Signed right-vs-left differences, % of the mean. Step-length asymmetry is made at
        constant speed by the same asymmetry of step time (the longer step lasts longer;
        a right step ends with a right initial contact); cadence is unchanged.
    body_height_m : float
        Standing height, m (default 1.75).
    proportions : dict, optional
        Overrides of the anthropometric fractions of height in
        :data:`gaitcheck.synth.anthropometry.DEFAULT_PROPORTIONS`.
    step_time_cv : float
        Stride-to-stride coefficient of variation of step time (contact time scales with
        it), fraction (default 0).
    angle_sd_deg : float
        Step-to-step standard deviation of the strike angle and of knee flexion at IC,
        deg (default 0). An SD rather than a CV because a CV is meaningless for angles
        near zero (a midfoot strike).
    seed : int
        Seed of the random generator for the variability; the motion is a deterministic
        function of all parameters.
    duration_s, fps : float
        Clip length (s) and frame rate (frames/s).
    start_phase : float
        Phase of the left stride at t = 0, fraction in [0, 1); 0 = left initial contact.
    """

    activity: str = "run"
    setting: str = "treadmill"
    cadence_spm: float | None = None
    speed_mps: float | None = None
    contact_time_ms: float | None = None
    duty_factor: float | None = None
    trunk_lean_deg: float | None = None
    head_forward_deg: float = 15.0
    strike: str | None = None
    foot_strike_angle_deg: float | None = None
    knee_flexion_ic_deg: float | None = None
    overstride_pct: float | None = None
    vertical_oscillation_cm: float | None = None
    step_width_m: float | None = None
    arm_swing_deg: float | None = None
    elbow_flexion_deg: float | None = None
    arm_crossover: float | None = None
    asym_contact_time_pct: float = 0.0
    asym_step_length_pct: float = 0.0
    asym_knee_flexion_pct: float = 0.0
    asym_arm_swing_pct: float = 0.0
    body_height_m: float = 1.75
    proportions: dict[str, float] | None = field(default=None, hash=False)
    step_time_cv: float = 0.0
    angle_sd_deg: float = 0.0
    seed: int = 0
    duration_s: float = 10.0
    fps: float = 30.0
    start_phase: float = 0.0

    def __post_init__(self) -> None:
        if self.activity not in ACTIVITIES:
            raise ValueError(f"activity must be one of {ACTIVITIES}, got {self.activity!r}")
        if self.setting not in SETTINGS:
            raise ValueError(f"setting must be one of {SETTINGS}, got {self.setting!r}")
        for name, value in ACTIVITY_DEFAULTS[self.activity].items():
            if getattr(self, name) is None:
                object.__setattr__(self, name, value)
        if self.contact_time_ms is not None and self.duty_factor is not None:
            raise ValueError("give contact_time_ms or duty_factor, not both")
        if self.contact_time_ms is None and self.duty_factor is None:
            object.__setattr__(self, "duty_factor", DEFAULT_DUTY_FACTOR[self.activity])
        self._resolve_strike()
        if self.proportions is not None:
            object.__setattr__(self, "proportions", dict(self.proportions))
        self._validate()

    def _resolve_strike(self) -> None:
        if self.strike is not None and self.strike not in STRIKE_PRESETS_DEG:
            raise ValueError(f"strike must be one of {tuple(STRIKE_PRESETS_DEG)}, "
                             f"got {self.strike!r}")
        angle = self.foot_strike_angle_deg
        if angle is None:
            angle = STRIKE_PRESETS_DEG[self.strike or "rearfoot"]
            object.__setattr__(self, "foot_strike_angle_deg", angle)
        _check("foot_strike_angle_deg", angle, -40.0, 40.0)
        if self.strike is None:
            object.__setattr__(self, "strike", strike_class(angle))
        elif strike_class(angle) != self.strike:
            raise ValueError(f"foot_strike_angle_deg={angle} is a {strike_class(angle)} "
                             f"strike (Altman & Davis cut-offs {ALTMAN_DAVIS_CUTOFFS_DEG}), "
                             f"not {self.strike}")

    def _validate(self) -> None:
        _check("cadence_spm", self.cadence_spm, 40.0, 260.0)
        _check("speed_mps", self.speed_mps, 0.2, 12.0)
        _check("trunk_lean_deg", self.trunk_lean_deg, -30.0, 45.0)
        _check("head_forward_deg", self.head_forward_deg, -30.0, 60.0)
        _check("knee_flexion_ic_deg", self.knee_flexion_ic_deg, 0.0, 60.0)
        _check("overstride_pct", self.overstride_pct, -20.0, 80.0)
        _check("vertical_oscillation_cm", self.vertical_oscillation_cm, 0.0, 25.0)
        _check("step_width_m", self.step_width_m, 0.0, 0.4)
        _check("arm_swing_deg", self.arm_swing_deg, 0.0, 150.0)
        _check("elbow_flexion_deg", self.elbow_flexion_deg, 5.0, 150.0)
        if self.arm_crossover is not None:
            _check("arm_crossover", self.arm_crossover, -1.0, 1.0)
        for name in ("asym_contact_time_pct", "asym_step_length_pct",
                     "asym_knee_flexion_pct", "asym_arm_swing_pct"):
            _check(name, getattr(self, name), -50.0, 50.0)
        _check("body_height_m", self.body_height_m, 1.0, 2.3)
        _check("step_time_cv", self.step_time_cv, 0.0, 0.2)
        _check("angle_sd_deg", self.angle_sd_deg, 0.0, 10.0)
        _check("duration_s", self.duration_s, 1e-3, 3600.0)
        _check("fps", self.fps, 1.0, 2000.0)
        _check("start_phase", self.start_phase, 0.0, 1.0, upper_open=True)
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {self.seed!r}")
        if self.contact_time_ms is not None:
            _check("contact_time_ms", self.contact_time_ms, 1.0, 5000.0)
        duty = self.resolved_duty_factor
        if self.activity == "run" and not 0.1 <= duty < 0.5:
            raise ValueError(f"running needs a flight phase: duty factor {duty:.3f} (contact "
                             f"{1000 * self.contact_time_s:.0f} ms at {self.cadence_spm} spm) "
                             "must be in [0.1, 0.5)")
        if self.activity == "walk" and not 0.5 < duty <= 0.85:
            raise ValueError(f"walking needs double support: duty factor {duty:.3f} (contact "
                             f"{1000 * self.contact_time_s:.0f} ms at {self.cadence_spm} spm) "
                             "must be in (0.5, 0.85]")
        if self.proportions is not None:
            unknown = set(self.proportions) - set(DEFAULT_PROPORTIONS)
            if unknown:
                raise ValueError(f"unknown proportions {sorted(unknown)}; known: "
                                 f"{sorted(DEFAULT_PROPORTIONS)}")
            for key, value in self.proportions.items():
                _check(f"proportions[{key!r}]", value, 1e-3, 1.0)

    # Derived timing --------------------------------------------------------------
    @property
    def step_time_s(self) -> float:
        """Mean step time, s (60 / cadence)."""
        return 60.0 / float(self.cadence_spm)  # type: ignore[arg-type]

    @property
    def stride_time_s(self) -> float:
        """Mean stride time (two steps), s."""
        return 2.0 * self.step_time_s

    @property
    def contact_time_s(self) -> float:
        """Mean ground contact time per step, s (from whichever of contact time and duty
        factor was given)."""
        if self.contact_time_ms is not None:
            return float(self.contact_time_ms) / 1000.0
        return float(self.duty_factor) * self.stride_time_s  # type: ignore[arg-type]

    @property
    def resolved_duty_factor(self) -> float:
        """Contact time / stride time."""
        return self.contact_time_s / self.stride_time_s

    @property
    def n_frames(self) -> int:
        """Frames in the clip, ``round(duration_s × fps)`` (at least 1)."""
        return max(1, round(self.duration_s * self.fps))

    # JSON ------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict of every field (``None`` defaults already resolved)."""
        out = dataclasses.asdict(self)
        if out["proportions"] is not None:
            out["proportions"] = dict(out["proportions"])
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> GaitParams:
        """Inverse of :meth:`to_dict`; unknown keys raise ``ValueError``."""
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = set(data) - names
        if unknown:
            raise ValueError(f"unknown gait parameters: {sorted(unknown)}")
        return cls(**data)

    def replace(self, **changes: Any) -> GaitParams:
        """A copy with some fields changed (activity defaults are not re-derived for
        fields that were already resolved)."""
        return dataclasses.replace(self, **changes)


def _check(name: str, value: Any, lo: float, hi: float, upper_open: bool = False) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{name} must be a number, got {value!r}")
    ok = math.isfinite(value) and lo <= value and (value < hi if upper_open else value <= hi)
    if not ok:
        bracket = ")" if upper_open else "]"
        raise ValueError(f"{name}={value!r} is outside [{lo}, {hi}{bracket}")

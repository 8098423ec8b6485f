"""One set of rules for the analysis options, wherever they come from.

``gaitcheck analyze``, ``gaitcheck batch`` (flags and manifest columns) and the Python
API (:func:`gaitcheck.analyze`, :class:`~gaitcheck.pipeline.AnalyzeOptions`) all check
their numbers here, so a value refused in one place is refused in every other, with the
same one-line message. A non-finite or absurd value (``nan``, ``inf``, ``1e308``) never
reaches the video reader or the pose model.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from gaitcheck.errors import InputError

#: Longest analysis window bound accepted, s (a week of video): any larger ``--start``
#: or ``--end`` is a typo, and ``1e308`` would overflow frame arithmetic.
MAX_TIME_S = 7 * 24 * 3600.0
#: Most segments one video's pose pass is split into (``--jobs``, ``$GAITCHECK_JOBS``).
MAX_JOBS = 256


@dataclass(frozen=True)
class NumberRule:
    """Bounds of one numeric option.

    Attributes
    ----------
    flag : str
        Command-line name, used in messages (``--start``).
    low, high : float
        Inclusive bounds, in ``unit``.
    unit : str
        Unit appended to the bounds in messages ("" for none).
    integer : bool
        Whole numbers only.
    low_open : bool
        ``low`` itself is refused (a value must be above it).
    """

    flag: str
    low: float
    high: float
    unit: str = ""
    integer: bool = False
    low_open: bool = False

    def describe(self) -> str:
        """The accepted range in words, e.g. ``"between 80 and 250 cm"``."""
        unit = f" {self.unit}" if self.unit else ""
        whole = "a whole number " if self.integer else ""
        if self.low_open:
            return f"{whole}above {self.low:g}{unit} and at most {self.high:g}{unit}"
        return f"{whole}between {self.low:g} and {self.high:g}{unit}"


#: Rules by :class:`~gaitcheck.pipeline.AnalyzeOptions` field name.
RULES: dict[str, NumberRule] = {
    "start_s": NumberRule("--start", 0.0, MAX_TIME_S, "s"),
    "end_s": NumberRule("--end", 0.0, MAX_TIME_S, "s", low_open=True),
    # Capture fps / playback fps: 8 for 240 fps stored at 30; 1000 covers 30 000 fps
    # high-speed cameras. Below 1 would be a time-lapse, where no gait event is visible.
    "slowmo": NumberRule("--slowmo", 1.0, 1000.0),
    "height_cm": NumberRule("--height-cm", 80.0, 250.0, "cm"),
    "stride": NumberRule("--stride", 1, 1000, integer=True),
    "analysis_fps": NumberRule("--analysis-fps", 1.0, 10000.0, "frames/s"),
    "max_people": NumberRule("--max-people", 1, 10, integer=True),
    # Segments of one video's pose pass (gaitcheck.pose.segments), one thread each.
    "jobs": NumberRule("--jobs", 1, MAX_JOBS, integer=True),
}


def check_number(key: str, value: Any, where: str = "") -> float | int:
    """``value`` as a number if it obeys :data:`RULES` ``[key]``.

    Parameters
    ----------
    key : str
        Option name (an ``AnalyzeOptions`` field).
    value : Any
        The value given (a number, or text from a manifest cell).
    where : str
        Prefix for the message, e.g. ``"runs.csv line 3: "``; the flag name is used in
        the message when empty, the option name otherwise.

    Raises
    ------
    InputError
        Not a number, not finite, not whole when it must be, or out of range.
    """
    rule = RULES[key]
    name = f"{where}{key}" if where else rule.flag
    shown = repr(value) if isinstance(value, str) else f"{value}"
    try:
        if isinstance(value, bool):
            raise TypeError
        number = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{name} {shown} is not a number: it should be "
                         f"{rule.describe()}") from None
    if not math.isfinite(number):
        raise InputError(f"{name} {shown} is not a finite number: it should be "
                         f"{rule.describe()}")
    if rule.integer and number != int(number):
        raise InputError(f"{name} {shown} should be {rule.describe()}")
    too_low = number <= rule.low if rule.low_open else number < rule.low
    if too_low or number > rule.high:
        raise InputError(f"{name} {shown} should be {rule.describe()}")
    return int(number) if rule.integer else number


def check_options(values: Mapping[str, Any], where: str = "") -> dict[str, Any]:
    """Check every numeric option present (not None) in ``values`` and the window.

    Returns a copy of ``values`` with the numbers converted (whole-number options as
    ``int``); other keys pass through unchanged.

    Raises
    ------
    InputError
        The first bad value, or an end of the window not after its start.
    """
    out = dict(values)
    for key in RULES:
        if out.get(key) is not None:
            out[key] = check_number(key, out[key], where)
    start, end = out.get("start_s"), out.get("end_s")
    if end is not None and end <= (start or 0.0):
        if where:
            raise InputError(f"{where}end_s must be after start_s ({end:g} s is not after "
                             f"{start or 0:g} s): the analysis window would be empty")
        raise InputError(f"--end ({end:g} s) must be after --start ({start or 0:g} s): the "
                         "analysis window would be empty")
    return out


def jobs_from_env(value: str) -> int | None:
    """``$GAITCHECK_JOBS`` as a number of segments, None when unset or empty.

    Raises
    ------
    InputError
        Not a whole number within :data:`RULES` ``["jobs"]``, in one line naming the
        variable.
    """
    value = value.strip()
    if not value:
        return None
    try:
        return int(check_number("jobs", value))
    except InputError:
        raise InputError(f"GAITCHECK_JOBS={value!r} should be "
                         f"{RULES['jobs'].describe()}") from None


def parse_slowmo(value: str | float) -> tuple[str | float, bool]:
    """Split ``--slowmo`` as given into a factor and whether ``auto`` was asked for.

    Kept here, away from the gait-event code (which imports scipy.signal, 0.8 s), so the
    command line reads its options without delaying the pose pass.

    Returns
    -------
    factor : float or str
        1.0 for ``"auto"`` (the detected factor is applied on top); otherwise the value
        as a float when it reads as one, else unchanged, for the option checks
        (:func:`gaitcheck.validation.check_options`) to refuse with their message.
    auto : bool
        Whether ``"auto"`` was asked for.
    """
    if isinstance(value, str) and value.strip().lower() == "auto":
        return 1.0, True
    try:
        return float(value), False
    except (TypeError, ValueError):
        return value, False

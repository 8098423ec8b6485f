"""Sub-frame timing: peak interpolation and fractional row index ↔ time.

Events are located in fractional row indices of the tracks (interpolating between
samples) and converted to time through ``LandmarkTracks.time_s``, linearly between the
two neighbouring rows, so a variable frame rate gives the right times. (The cues treat
neighbouring samples as equally spaced, which holds to a few per cent in phone video.)
"""

from __future__ import annotations

import numpy as np


def parabolic_peak(y: np.ndarray, i: int) -> float:
    """Locate a local extremum between samples.

    Sub-sample offset of a local extremum at index ``i`` from the parabola through
    samples ``i − 1, i, i + 1``; in [−0.5, 0.5], 0 at the ends or for a flat top.

    Index-based (Smith & Serra 1987 quadratic interpolation); with a non-uniform clock
    the offset is mapped to time by :func:`frame_to_time`.
    """
    if i <= 0 or i >= len(y) - 1:
        return 0.0
    a, b, c = float(y[i - 1]), float(y[i]), float(y[i + 1])
    den = a - 2.0 * b + c
    if not np.isfinite(den) or den == 0.0:
        return 0.0
    return float(np.clip(0.5 * (a - c) / den, -0.5, 0.5))


def frame_to_time(time_s: np.ndarray, frame: float) -> float:
    """Time (s) at a fractional row index, linear between rows (extrapolated at the ends)."""
    n = len(time_s)
    if n == 1:
        return float(time_s[0])
    i = int(np.clip(np.floor(frame), 0, n - 2))
    return float(time_s[i] + (frame - i) * (time_s[i + 1] - time_s[i]))


def time_to_frame(time_s: np.ndarray, t: float) -> float:
    """Inverse of :func:`frame_to_time`: fractional row index of time ``t`` (s)."""
    n = len(time_s)
    if n == 1:
        return 0.0
    i = int(np.clip(np.searchsorted(time_s, t, side="right") - 1, 0, n - 2))
    return float(i + (t - time_s[i]) / (time_s[i + 1] - time_s[i]))

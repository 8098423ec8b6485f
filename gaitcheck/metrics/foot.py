"""Foot angle at initial contact (IC): read on the airborne foot, continuous in the IC time.

The foot slaps flat within ~40 ms of a heel strike (the synthetic runner's true foot
angle falls by 7° in the first 10 ms after contact) while over the last 15 ms before
contact it stays within 0.6° of its contact value. The detected IC is itself late by
about a quarter of a frame on average (+0.27 frame, 9 ms, against the hand-labelled
contacts of the real 30 fps treadmill clip), so the angle is read
:data:`PRE_CONTACT_S` before the detected IC, on landmarks linearly interpolated between
the two frames around that time.

Earlier gaitcheck read the last whole frame at or before IC. That reading jumps by a
whole frame of foot rotation (up to ~10° on a real foot rotating fast before contact)
when IC moves by a fraction of a frame, as it does between a clip and its mirror. The
interpolated reading moves with the IC time by the foot's own rotation rate only.
"""

from __future__ import annotations

import numpy as np

from gaitcheck.landmarks import LM
from gaitcheck.metrics import formulas as f
from gaitcheck.metrics.frames import at_frame

#: Time before the detected initial contact at which the foot angle is read, s.
PRE_CONTACT_S = 0.015


def reading_row(time_s: np.ndarray, ic_row: float, lead_s: float = PRE_CONTACT_S) -> float:
    """Fractional row of the tracks ``lead_s`` before the IC at row ``ic_row``.

    Parameters
    ----------
    time_s : numpy.ndarray, (T,)
        Time of every row, s, increasing (gaps and variable frame rates allowed).
    ic_row : float
        Initial contact as a fractional row of the tracks.
    lead_s : float
        How long before the IC to read, s (≥ 0).

    Returns
    -------
    float
        Fractional row, clipped to the first row.
    """
    rows = np.arange(len(time_s), dtype=np.float64)
    t_ic = float(np.interp(ic_row, rows, time_s))
    return float(np.interp(t_ic - lead_s, time_s, rows))


def foot_angle_at_row(points: np.ndarray, side: str, row: float) -> float:
    """Foot angle at a fractional row, deg: heel → foot_index from the ground, toes up +.

    Parameters
    ----------
    points : numpy.ndarray, (T, 33, 2)
        Ground-aligned ``(forward, up)`` landmarks.
    side : {"left", "right"}
        Foot.
    row : float
        Fractional row; heel and foot_index are interpolated linearly between the two
        rows around it, so the angle is continuous in ``row``.
    """
    pose = at_frame(points, row)
    return float(f.foot_angle_deg(pose[LM[f"{side}_heel"]], pose[LM[f"{side}_foot_index"]]))


def rows_read(row: float, n_rows: int) -> slice:
    """Rows whose landmarks a reading at ``row`` depends on, with one row either side.

    A foot the cleaning filled in on any of them has no measured angle at contact.
    """
    return slice(max(int(np.floor(row)) - 1, 0), min(int(np.ceil(row)) + 2, n_rows))

"""Readings at gait events move continuously with the event times (issue 17).

A split pose pass, a restarted landmarker or a re-encode moves a detected initial contact
(IC) by a few hundredths of a frame; a reading taken on the whole frames around it then
jumped by a whole frame of motion when the IC crossed a frame boundary
(``benchmarks/seam_contacts.py``). Here each stance's IC of a synthetic runner is put
just before and just after a frame boundary and its readings must barely move.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from test_metrics import true_events

from gaitcheck.landmarks import LM
from gaitcheck.metrics import sagittal
from gaitcheck.metrics.analyze import pair_stances
from gaitcheck.metrics.sagittal_frame import sagittal_frame
from helpers import synthetic_tracks


@pytest.fixture(scope="module")
def frame():
    motion, tracks = synthetic_tracks("side-left", duration_s=6.0, strike="rearfoot")
    ics, tos = true_events(motion, 30.0)
    return sagittal_frame(tracks, "left", "left", pair_stances(ics, tos))


def _across_boundary(fr, name: str) -> float:
    """Largest change of reading ``name`` of a stance when its IC alone moves from 0.01
    frame before to 0.01 frame after the frame boundary nearest to it."""
    measure = sagittal.PER_STANCE[name]

    def read(k: int, shift: float) -> float | None:
        moved = list(fr.stances)
        moved[k] = dataclasses.replace(moved[k], ic=round(moved[k].ic) + shift)
        return measure(dataclasses.replace(fr, stances=tuple(moved)), k)
    pairs = [(read(k, -0.01), read(k, 0.01)) for k in range(len(fr.stances))]
    pairs = [(a, b) for a, b in pairs
             if a is not None and b is not None and np.isfinite(a) and np.isfinite(b)]
    assert len(pairs) >= 8
    return max(abs(b - a) for a, b in pairs)


def test_arm_swing_is_continuous_in_the_contact_times(frame) -> None:
    """The arm is near an extreme of its swing at contact: here it swings steadily
    (2° a frame) so both ends of every stride are extremes."""
    points = frame.points.copy()
    for side in ("left", "right"):
        shoulder = points[:, LM[f"{side}_shoulder"]]
        theta = np.radians(2.0 * np.arange(len(points)))
        points[:, LM[f"{side}_elbow"]] = shoulder + 60.0 * np.stack(
            [np.sin(theta), -np.cos(theta)], axis=1)
    swinging = dataclasses.replace(frame, points=points)
    # Over the whole frames inside the stride the swing jumped by 2° (a frame of swing)
    # whenever an IC crossed a frame boundary; over the sub-frame ICs it moves 0.04°.
    assert _across_boundary(swinging, "arm_swing_deg") < 0.1

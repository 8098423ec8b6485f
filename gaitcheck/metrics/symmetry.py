"""Left-right comparisons that mean asymmetry, not a hidden far limb.

In a side view the far leg is behind the near one for part of every stride: its
landmarks are then filled in by the cleaning or have low visibility. A left-right
difference there measures the camera, not the runner. So:

* In a side view only event timing is compared (step, contact and flight time,
  :attr:`SymmetryIndex.side_view <gaitcheck.metrics.definitions.SymmetryIndex>`), and
  only on strides where the foot was *seen* at both its events: no leg landmark
  (heel, ankle, foot index, knee) filled in and visibility at least
  :data:`MIN_VISIBILITY` within :data:`EVENT_PAD` frames of its initial contact and
  toe-off. Each side needs :data:`MIN_SEEN` such values, else the comparison is "not
  measurable in this view".
* Everything else (angles of a mostly hidden far limb, arm swing, bounce) is "not
  measurable in this view" from the side.
* Times and lengths: symmetry index (SI, %); angles and fractions: absolute difference
  |L − R| in the metric's unit (an SI of two small angles explodes).
* The 95 % interval of the difference is a Welch interval of the two side means
  (``t · √(s_L²/n_L + s_R²/n_R)``) combined in quadrature with the systematic floor of
  the difference, which the consistency suite measures (the near − far difference
  under its transforms; :func:`gaitcheck.metrics.systematic.difference_floor`, at
  least 1.7 frames for event timing). A comparison is flagged only when the whole
  interval of |L − R| (or of the SI) lies above its threshold. At 30 fps the
  frame-timed floor (1.7 frames ≈ 57 ms) keeps a 10-15 % contact-time difference from
  being flagged: film at 60 fps or more to judge timing symmetry. In a back view both
  legs are seen alike and the timing difference has its own, smaller floor
  (:data:`BACK_TIMING_DIFF_FLOOR_MS`), and the sides' 20 % trimmed means are compared
  (Yuen's interval, :data:`BACK_TIMING_TRIM`), so a few strides timed on a mis-drawn
  foot do not widen the interval.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy import stats

from gaitcheck.landmarks import LM
from gaitcheck.metrics.analyze import PairedStance
from gaitcheck.metrics.definitions import SYMMETRY_INDICES
from gaitcheck.metrics.result import Metric
from gaitcheck.metrics.systematic import FRAME_TIMED, difference_floor, floor_in_unit
from gaitcheck.sides import SIDES
from gaitcheck.tracks.tracks import LandmarkTracks

#: Lowest landmark visibility (0..1) of a seen foot at an event.
MIN_VISIBILITY = 0.5
#: Frames either side of an event checked for filled or poorly visible landmarks.
EVENT_PAD = 2
#: Fewest seen values per side for a comparison.
MIN_SEEN = 4
LEG_POINTS = ("heel", "ankle", "foot_index", "knee")
#: Systematic floor of a left-right difference of event timing in a back view, ms.
#: Both legs are seen alike from behind, so the side view's floor (the change of the
#: *mean* under mirroring, rescaling, re-compression, with a near and a far leg) does
#: not apply to their difference; what remains is a bias of one leg's events against
#: the other's. The events are timed to a fraction of a frame (fits, not frame picks),
#: so it is not a whole number of frames. Measured on synthetic back-view runners
#: (realistic artefacts, 30 fps, 10 seeds): mean error of L − R contact time +0.1 ms
#: (SD 4.9 between 12-s clips) and −1.3 ms (SD 2.7 between 30-s clips), i.e. no bias
#: beyond ±3 ms (mean ± 2 SE); 4 ms keeps a margin.
BACK_TIMING_DIFF_FLOOR_MS = 4.0
#: Share of per-stride values trimmed from each end of each side for a back view's
#: timing comparison (Yuen's trimmed-mean interval): a few strides timed on a
#: mis-drawn foot (a leg swap, a foot pulled onto the other) are tens of ms off, and
#: would widen a plain interval for every stride (robust SD of the per-stride contact
#: time error 12.6 ms, plain SD 18 ms; 10 synthetic seeds, realistic artefacts).
BACK_TIMING_TRIM = 0.2
NOT_IN_VIEW = "not measurable in this view: the far limb is hidden for much of the stride"


def stances_seen(tracks: LandmarkTracks, filled: np.ndarray | None,
                 stances: Sequence[PairedStance]) -> list[bool]:
    """Whether each stance's foot was seen at its initial contact and toe-off.

    Parameters
    ----------
    tracks : LandmarkTracks
        Cleaned tracks (visibility per landmark and frame).
    filled : numpy.ndarray of bool, shape (T, 33), optional
        Points the cleaning interpolated (:attr:`CleanedTracks.interpolated`).
    stances : sequence of PairedStance
        Paired stances (fractional rows of ``tracks``).
    """
    vis = tracks.visibility()
    out = []
    for st in stances:
        cols = [LM[f"{st.side}_{p}"] for p in LEG_POINTS]
        ok = True
        for row in (st.ic, st.to):
            if not np.isfinite(row):
                ok = False
                break
            lo = max(0, int(np.floor(row)) - EVENT_PAD)
            hi = min(tracks.n_frames, int(np.ceil(row)) + EVENT_PAD + 1)
            if filled is not None and filled[lo:hi][:, cols].any():
                ok = False
                break
            v = vis[lo:hi][:, cols]
            if not (np.isfinite(v).all() and (v >= MIN_VISIBILITY).all()):
                ok = False
                break
        out.append(ok)
    return out


def seen_timing(stances: Sequence[PairedStance], seen: Sequence[bool]
                ) -> dict[str, dict[str, list[float]]]:
    """Step, contact and flight time (ms) per side from seen stances only.

    A value counts when every stance it is timed from was seen.
    """
    out: dict[str, dict[str, list[float]]] = {
        k: {s: [] for s in SIDES} for k in ("step_time_ms", "ground_contact_ms", "flight_ms")}
    for k, st in enumerate(stances):
        prev = stances[k - 1] if k > 0 else None
        nxt = stances[k + 1] if k + 1 < len(stances) else None
        if prev is not None and prev.side != st.side and prev.segment == st.segment \
                and seen[k] and seen[k - 1]:
            out["step_time_ms"][st.side].append(1000 * (st.ic_s - prev.ic_s))
        if not seen[k] or not np.isfinite(st.to_s):
            continue
        out["ground_contact_ms"][st.side].append(1000 * (st.to_s - st.ic_s))
        if nxt is not None and nxt.side != st.side and nxt.segment == st.segment \
                and seen[k + 1]:
            out["flight_ms"][st.side].append(1000 * (nxt.ic_s - st.to_s))
    return out


def _side_values(m: Metric) -> dict[str, np.ndarray]:
    return {s: m.per_side[s].valid if m.per_side else np.array([]) for s in SIDES}


def compare(left: np.ndarray, right: np.ndarray, kind: str, threshold: float,
            floor: float, trim: float = 0.0) -> dict[str, Any]:
    """Compare two sets of per-stride values, left and right (see module docstring).

    With ``trim`` (a share of each side's values cut from each end), the sides' trimmed
    means are compared with Yuen's interval (Welch's on winsorised variances), which a
    few outlying strides do not widen.
    """
    if trim > 0.0:
        ml = float(stats.trim_mean(left, trim))
        mr = float(stats.trim_mean(right, trim))
        ci = stats.ttest_ind(left, right, equal_var=False, trim=trim).confidence_interval()
        stat_half = 0.5 * float(ci.high - ci.low)
    else:
        ml, mr = float(np.mean(left)), float(np.mean(right))
        vl = float(np.var(left, ddof=1)) / left.size
        vr = float(np.var(right, ddof=1)) / right.size
        se = math.sqrt(vl + vr)
        # Welch-Satterthwaite degrees of freedom.
        dof = (vl + vr) ** 2 / (vl ** 2 / (left.size - 1) + vr ** 2 / (right.size - 1)) \
            if vl + vr > 0 else float(left.size + right.size - 2)
        stat_half = float(stats.t.ppf(0.975, dof)) * se
    half = math.hypot(stat_half, floor) if np.isfinite(stat_half) else math.inf
    diff = ml - mr
    scale = 100.0 / (0.5 * (ml + mr)) if kind == "si" and ml + mr > 0 else 1.0
    lo, hi = (diff - half) * scale, (diff + half) * scale
    size = abs(diff) * scale
    # Interval of |L − R|: its lower end is 0 when the interval of L − R spans 0.
    abs_lo = 0.0 if lo <= 0 <= hi else min(abs(lo), abs(hi))
    out: dict[str, Any] = {"kind": kind, "left": round(ml, 3), "right": round(mr, 3),
                           "n_left": int(left.size), "n_right": int(right.size),
                           "threshold": threshold,
                           "ci95": [round(abs_lo, 3), round(max(abs(lo), abs(hi)), 3)],
                           "flagged": bool(abs_lo > threshold), "measurable": True}
    out["si_pct" if kind == "si" else "diff"] = round(size, 3)
    if kind != "si":
        out["si_pct"] = None
    return out


def asymmetry(metrics: dict[str, Metric], view: str | None, fps: float | None,
              seen_values: dict[str, dict[str, list[float]]] | None = None
              ) -> dict[str, dict[str, Any]]:
    """Every left-right comparison of :data:`SYMMETRY_INDICES` that the metrics allow.

    Parameters
    ----------
    metrics : dict of Metric
        Metrics with per-side values.
    view : {"side", "front", "back"} or None
        Recording view ("oblique" counts as side).
    fps : float or None
        Frame rate, frames/s (frame-timed floors).
    seen_values : dict, optional
        Side view: :func:`seen_timing` values replacing the metrics' per-side values.
    """
    side = view in ("side", "oblique")
    out: dict[str, dict[str, Any]] = {}
    for index in SYMMETRY_INDICES:
        m = metrics.get(index.metric)
        if m is None or m.per_side is None or not m.measurable:
            continue
        if side and not index.side_view:
            out[index.name] = {"kind": index.kind, "measurable": False, "flagged": False,
                               "si_pct": None, "left": None, "right": None,
                               "reason": NOT_IN_VIEW}
            continue
        values = _side_values(m)
        if side and seen_values is not None and index.metric in seen_values:
            values = {s: np.asarray(seen_values[index.metric][s], dtype=np.float64)
                      for s in SIDES}
        n = {s: int(values[s].size) for s in SIDES}
        if min(n.values()) < MIN_SEEN:
            out[index.name] = {"kind": index.kind, "measurable": False, "flagged": False,
                               "si_pct": None, "left": None, "right": None,
                               "n_left": n["left"], "n_right": n["right"],
                               "reason": f"too few strides with both legs seen (need "
                               f"{MIN_SEEN} per side)"}
            continue
        floor = floor_in_unit(index.metric, difference_floor(index.metric), fps)
        trim = 0.0
        if view == "back" and index.metric in FRAME_TIMED:
            floor, trim = BACK_TIMING_DIFF_FLOOR_MS, BACK_TIMING_TRIM
        row = compare(values["left"], values["right"], index.kind, index.threshold, floor,
                      trim)
        row["confidence"] = round(m.confidence, 2)
        out[index.name] = row
    return out

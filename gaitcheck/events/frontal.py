"""Gait events (initial contact, toe-off) of both feet in a back view.

Seen from behind, the feet move mostly up and down the image: forward motion is along
the optical axis, so the side-view cues (heel most anterior, foot carried backwards) are
not visible. Two things are:

* **initial contact**: the foot's descent (and forward swing) stops and the belt takes
  it towards the camera, down the image: the image heights change slope abruptly. IC is
  the break point of a continuous two-piece linear fit (a hinge), first on the ankle
  around its sharpest bend, then on heel, ankle and toe together over a wider window
  (their jitter is independent), to a fraction of a frame, plus a small lag measured
  on the synthetic runner (:data:`IC_LAG`);
* **toe-off**: on a level floor seen by a level camera, ``1 / (y − horizon)`` of a
  point on the ground is proportional to its depth, so a foot carried by the belt at
  constant speed moves on a straight line in that coordinate (a constant overground).
  That ground path is fitted over the middle of each stance (its slope, the belt speed,
  shared by all stances) and toe-off is where the toe first rises above it by more than
  the pose jitter (:func:`~gaitcheck.events.frontal_fits.ground_crossing`).

The windows follow from the stride: the heel and ankle are highest once per stride, in
mid-swing; IC lies after that, TO about a stance later. Both legs are in view all the
time, so left and right are measured alike. From behind, the pose model may draw a
swinging foot on the ground (the sole faces the camera); :func:`pelvis_agreement` checks
the events against the pelvis, lowest in mid-stance, before they are used.

Measured (``tests/test_frontal_events.py``; synthetic runner, realistic artefacts,
30 fps): see the tests for the F1 and timing bias asserted. The front view is not
handled here (the toe is hidden behind the foot's own image and the belt carries it
away from the camera, up the image like a lift).
"""

from __future__ import annotations

import numpy as np
from scipy.signal import find_peaks

from gaitcheck.events import cues
from gaitcheck.events.detect import assemble, legs_for_events, split_at_time_gaps
from gaitcheck.events.frontal_fits import (
    bend,
    ground_crossing,
    ground_rise,
    hinge_fit,
    lift_onset,
    smooth3,
)
from gaitcheck.events.model import EventSegment, EventWarning, GaitEvents
from gaitcheck.events.settings import DEFAULT_EVENT_SETTINGS, EventSettings
from gaitcheck.events.signals import (
    fill_short_gaps,
    usable_frames,
)
from gaitcheck.events.stances import Stance, _interp_nan
from gaitcheck.landmarks import LM
from gaitcheck.sides import SIDES
from gaitcheck.tracks.footjump import detect_foot_jumps
from gaitcheck.tracks.runs import true_runs
from gaitcheck.tracks.tracks import LandmarkTracks

#: Half-width of the hinge fit around an event, in stride periods (about 4 frames of a
#: 30-fps run): long enough to average the pose jitter, short enough that each side of
#: the break is close to straight.
HINGE_HALF_PERIOD = 0.09
#: Half-width of the refining hinge fit on heel, ankle and toe together, stride periods
#: (about 6 frames at 30 fps): the three bend together at contact with independent
#: jitter, and the wider window averages more of it. Per-stride IC error with
#: realistic artefacts, 30 fps (robust SD): 12.3 ms (ankle alone) -> 5.5 ms.
IC_REFINE_HALF_PERIOD = 0.3
IC_POINTS = ("heel", "ankle", "foot_index")
#: Lags of the events behind their marks, stride periods, measured on the synthetic
#: runner's exact tracks (``tests/test_frontal_events.py``): the three points' joint
#: bend comes ~27 ms (0.038 stride) before IC, as the foot's forward swing ends just
#: before it lands; the toe's rise above its ground path needs no correction.
IC_LAG, TO_LAG = 0.038, 0.0
#: Stride period (samples) from which the foot paths are smoothed (about 45 fps).
SMOOTH_MIN_PERIOD = 30.0
#: Off the ground: this many residual SDs of the ground-path fits above the path.
BAND_SD = 2.5
#: Part of IC → the toe's lowest image point over which the toe's ground path is fitted
#: (the toe is flat on the belt): from 0.35 to 0.3 the TO error with realistic
#: artefacts (30 fps, robust SD) falls 13.5 → 12.2 ms, unchanged on exact tracks; a
#: later end (0.7) or earlier start (0.25) adds 2-3 ms on exact tracks (the toe is not
#: yet flat, or already pivots).
TOE_DOWN = (0.3, 0.65)
#: Where IC is searched after the heel's mid-swing peak, stride periods.
IC_WINDOW = (0.2, 0.6)
#: Where TO is searched after IC, stride periods (duty factors of 0.12–0.7).
TO_WINDOW = (0.12, 0.7)


def frontal_stances(px: np.ndarray, vis: np.ndarray, scale: float, max_gap: int,
                    offset: int, view: str, horizon_px: float,
                    settings: EventSettings = DEFAULT_EVENT_SETTINGS,
                    ) -> tuple[list[Stance], float]:
    """Candidate stances of both feet in one continuous back- or front-view segment.

    Parameters
    ----------
    px : numpy.ndarray, (n, 33, 2)
        Pixel coordinates of the segment's rows (after leg-swap repair).
    vis : numpy.ndarray, (n, 33)
        Visibility scores.
    scale : float
        Leg length, pixels.
    max_gap : int
        Interior gaps up to this many samples are interpolated.
    offset : int
        Row index of the segment's first sample in the tracks.
    view : {"back", "front"}
        Camera view: sets the direction of the ankle's bend at IC.
    horizon_px : float
        Image row of the horizon, pixels (the image centre for a level camera).
    settings : EventSettings
        For ``min_ground_band``.

    Returns
    -------
    stances : list of Stance
        Final IC and TO with confidences (no anchors: ``peak``/``trough`` NaN).
    period : float
        Stride period, samples (NaN without periodic stepping).
    """
    # Only whole-foot jumps are rejected: the heel- and toe-to-ankle distances, steady
    # in a side view, change with the foot's pitch when it is seen end-on.
    px = px.copy()
    px[detect_foot_jumps(px)] = np.nan
    px = fill_short_gaps(px, max_gap)
    down = {s: {p: px[:, LM[f"{s}_{p}"], 1] / scale for p in ("heel", "ankle", "foot_index")}
            for s in SIDES}
    periods = [cues.stride_period(_interp_nan(down[s]["ankle"])) for s in SIDES]
    period = float(np.nanmean(periods)) if np.isfinite(periods).any() else float("nan")
    if not np.isfinite(period) or len(px) < 2 * period:
        return [], float("nan")
    half = max(3, round(HINGE_HALF_PERIOD * period))
    found = []  # (side, coarse IC, toe's lowest point, rises, quality, visibility)
    slopes: list[float] = []
    for s in SIDES:
        heel, ankle, toe = (down[s][p] for p in ("heel", "ankle", "foot_index"))
        # Light smoothing only where a frame is short against the stance (>= 45 fps):
        # at 30 fps it would round the bends by a whole frame either side.
        sm = {p: smooth3(down[s][p] * scale) if period > SMOOTH_MIN_PERIOD
              else down[s][p] * scale for p in ("heel", "foot_index")}
        foot = np.nanmean(np.stack([heel, ankle]), axis=0)
        smooth = cues.smooth_for_cycles(_interp_nan(foot), period)
        # Mid-swing: the heel is highest (smallest image y) once per stride.
        span = float(np.percentile(smooth, 95) - np.percentile(smooth, 5))
        swings, _ = find_peaks(-smooth, distance=max(1, int(0.6 * period)),
                               prominence=0.3 * span)
        # Back view: the belt (or the ground) takes the foot towards the camera, down the
        # image; front view: away from it, up the image.
        bend_ic = (1.0 if view == "back" else -1.0) * bend(_interp_nan(ankle), period)
        cols = vis[:, [LM[f"{s}_heel"], LM[f"{s}_ankle"], LM[f"{s}_foot_index"]]]
        for p in swings:
            a, b = int(p + IC_WINDOW[0] * period), int(p + IC_WINDOW[1] * period)
            if a < 2 or b >= len(foot) - 2:
                continue
            i_ic = a + int(np.argmax(bend_ic[a:b + 1]))
            ic, q_ic = hinge_fit(ankle, i_ic, half, sign=1 if view == "back" else -1)
            if np.isfinite(ic):
                # Refine on the heel, ankle and toe together over a wider window: the
                # three bend together at contact and their jitter is independent.
                fine, _ = hinge_fit(np.column_stack([down[s][p] for p in IC_POINTS]), ic,
                                    max(half, round(IC_REFINE_HALF_PERIOD * period)),
                                    sign=1 if view == "back" else -1, reach=1.0)
                ic = fine if np.isfinite(fine) else ic
            a2 = int(ic + TO_WINDOW[0] * period) if np.isfinite(ic) else -1
            b2 = min(len(toe) - 3, int(ic + TO_WINDOW[1] * period)) if a2 >= 0 else -1
            if b2 <= a2 or not np.isfinite(toe[a2:b2 + 1]).any():
                continue
            # The toe's lowest image point comes just after toe-off in a back view.
            low = a2 + int(np.nanargmax(toe[a2:b2 + 1])) if view == "back" else \
                ic + 0.35 * period
            # The heel and ankle are down from IC to heel-off (before mid-stance ends),
            # the toe from foot-flat to toe-off.
            early = (ic + 0.2 * (low - ic), ic + 0.45 * (low - ic))
            mid = (ic + TOE_DOWN[0] * (low - ic), ic + TOE_DOWN[1] * (low - ic))
            slopes += [ground_rise(sm[p], mid if p == "foot_index" else early,
                                    horizon_px)[2] for p in ("heel", "foot_index")]
            lo, hi = max(0, int(ic) - 2), min(len(foot), int(ic) + 4)
            v = float(np.nanmean(cols[lo:hi])) if np.isfinite(cols[lo:hi]).any() else 0.0
            found.append((s, ic, low, early, mid, sm, q_ic, v))
    # The belt speed is one for the clip: the ground paths share a slope in u, and only
    # their offsets are fitted (one unknown per stance instead of two).
    ok_slopes = [x for x in slopes if np.isfinite(x)]
    slope = float(np.median(ok_slopes)) if ok_slopes else None
    sds: list[float] = []
    fits = []
    for s, ic, low, early, mid, sm, q_ic, v in found:
        rises = {p: ground_rise(sm[p], mid if p == "foot_index" else early, horizon_px,
                                 slope) for p in ("heel", "foot_index")}
        sds += [r[1] for r in rises.values() if np.isfinite(r[1])]
        fits.append((s, ic, low, early, mid, rises, q_ic, v))
    # Off the ground = beyond 2.5 SD of the smoothed landmarks about their ground paths.
    band = max(settings.min_ground_band * scale, BAND_SD * float(np.median(sds)) if sds else 0.0)
    out: list[Stance] = []
    for s, ic0, low, _, mid, rises, q_ic, v in fits:
        ic, q_dir = ic0, float(np.clip(q_ic / 8.0, 0.0, 1.0))
        to, q_to = ground_crossing(rises["foot_index"][0], mid, band, True, low + 3)
        to = lift_onset(rises["foot_index"][0], mid[1], low + 3, band, to)
        conf_ic = q_dir * (0.5 + 0.5 * min(1.0, v))
        conf_to = q_to * (0.5 + 0.5 * min(1.0, v))
        ic, to = ic + IC_LAG * period, to + TO_LAG * period
        out.append(Stance(s, ic + offset, to + offset, conf_ic, conf_to, ic + offset,
                          to + offset, np.nan, np.nan, q_dir, v))
    return sorted(out, key=lambda st: st.ic), period


def detect_frontal_events(tracks: LandmarkTracks, view: str, activity: str | None = None,
                          *, settings: EventSettings | None = None) -> GaitEvents:
    """Detect the initial contacts and toe-offs of both feet in a back or front view.

    Parameters
    ----------
    tracks : LandmarkTracks
        One subject's landmarks (image ``x``, ``y`` normalised, ``y`` down), levelled.
    view : {"back", "front"}
        Camera view (recorded as the segments' ``facing``).
    activity : {"run", "walk"}, optional
        Hint for the plausibility bounds (see :func:`gaitcheck.events.detect_gait_events`).
    settings : EventSettings, optional
        Gaps bridged, plausibility rules; the validated defaults when omitted.

    Returns
    -------
    GaitEvents
        As :func:`gaitcheck.events.detect_gait_events`, with the same plausibility rules,
        activity and slow-motion checks.
    """
    if view not in ("back", "front"):
        raise ValueError(f"view must be 'back' or 'front', got {view!r}")
    cfg = settings or DEFAULT_EVENT_SETTINGS
    legs = legs_for_events(tracks, cfg)
    if isinstance(legs, GaitEvents):
        return legs
    time_s, px, scale, warnings = legs.time_s, legs.px, legs.scale, legs.warnings
    fs, max_gap, min_len = legs.fs, legs.max_gap, legs.min_len
    runs = [(s, e, view) for s, e in true_runs(usable_frames(px, max_gap)) if e - s >= min_len]
    segments = split_at_time_gaps(runs, time_s, cfg.max_gap_s + 1.0 / fs, min_len)
    vis = tracks.image[:, :, 3].astype(np.float64)
    found: list[tuple[EventSegment, list[Stance]]] = []
    for a, b, _ in segments:
        stances, period = frontal_stances(px[a:b], vis[a:b], scale, max_gap, a, view,
                                           0.5 * tracks.video.height, cfg)
        seg = EventSegment(a, b, float(time_s[a]), float(time_s[b - 1]),
                           view)  # type: ignore[arg-type]
        if not np.isfinite(period):
            warnings.append(EventWarning(
                "no_regular_stepping", f"no regular stepping between {seg.start_s:.2f} s "
                f"and {seg.stop_s:.2f} s: no events there"))
            continue
        found.append((seg, stances))
    return assemble(found, time_s, activity, warnings, tracks.video.slowmo, fs, cfg)


#: Share of stances that must hold a pelvis low for the back-view events to be used.
MIN_PELVIS_AGREEMENT = 0.7


def pelvis_agreement(events: GaitEvents, tracks: LandmarkTracks) -> float:
    """Share of the detected stances that hold a low of the hip midpoint, 0..1.

    An independent check of the events on landmarks the pose model tracks well from
    behind: a runner's pelvis is lowest once per step, in mid-stance (a walker's in
    double support, also inside the stance of the foot that just landed). The pose
    model can draw a swinging foot on the ground from behind (the sole faces the
    camera), and events found on such feet are a stance out of phase: then few stances
    hold a pelvis low. 0 without a stance (contact with its toe-off).
    """
    pairs = events.stance_phases()
    y = 0.5 * (tracks.image[:, LM["left_hip"], 1] + tracks.image[:, LM["right_hip"], 1])
    ok = np.isfinite(y)
    if not pairs or ok.sum() < 10:
        return 0.0
    idx = np.arange(len(y))
    y = np.interp(idx, idx[ok], y[ok])
    lows, _ = find_peaks(y, distance=max(2, int(0.22 * tracks.fps)),
                         prominence=0.1 * float(np.std(y)) + 1e-9)
    t = tracks.time_s[lows]
    hits = sum(bool(np.any((t >= ic.time_s) & (t <= to.time_s))) for ic, to in pairs)
    return hits / len(pairs)

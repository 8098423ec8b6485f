"""Gait events (initial contact, toe-off) of both feet in a back view.

Seen from behind, the feet move mostly up and down the image: forward motion is along
the optical axis, so the side-view cues (heel most anterior, foot carried backwards) are
not visible. Two things are:

* **initial contact**: the foot's descent (and forward swing) stops and the belt takes
  it towards the camera, down the image: the ankle's vertical image velocity changes
  abruptly. IC is the break point of a continuous two-piece linear fit (a hinge) to the
  ankle's image row around the sharpest such bend, to a fraction of a frame, plus a
  small lag measured on the synthetic runner (:data:`IC_LAG`);
* **toe-off**: on a level floor seen by a level camera, ``1 / (y − horizon)`` of a
  point on the ground is proportional to its depth, so a foot carried by the belt at
  constant speed moves on a straight line in that coordinate (a constant overground).
  That ground path is fitted over the middle of each stance (its slope, the belt speed,
  shared by all stances) and toe-off is where the toe first rises above it by more than
  the pose jitter (:func:`ground_crossing`).

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
from scipy.signal import find_peaks, savgol_filter

from gaitcheck.events import cues
from gaitcheck.events.detect import assemble, legs_for_events, split_at_time_gaps
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
#: Lags of the events behind their marks, stride periods, measured on the synthetic
#: runner's exact tracks (``tests/test_frontal_events.py``): the ankle's bend comes
#: ~20 ms (0.03 stride) before IC, as the foot's forward swing ends just before it
#: lands; the toe's rise above its ground path needs no correction.
IC_LAG, TO_LAG = 0.03, 0.0
#: Stride period (samples) from which the foot paths are smoothed (about 45 fps).
SMOOTH_MIN_PERIOD = 30.0
#: Off the ground: this many residual SDs of the ground-path fits above the path.
BAND_SD = 2.5
#: The toe's lift is fitted up to this many jitter bands above its ground path.
LIFT_FIT_BANDS = 6.0
#: Where IC is searched after the heel's mid-swing peak, stride periods.
IC_WINDOW = (0.2, 0.6)
#: Where TO is searched after IC, stride periods (duty factors of 0.12–0.7).
TO_WINDOW = (0.12, 0.7)


def hinge_fit(y: np.ndarray, centre: float, half: int, sign: int = 0) -> tuple[float, float]:
    """Break point of a continuous two-piece linear fit, fractional index.

    ``y[k] ≈ a + b (k − τ) + c · max(0, k − τ)`` fitted by least squares over the finite
    samples within ``half`` samples of ``centre``; ``τ`` is searched on a 0.05-sample
    grid within one sample of ``centre``... and the window.

    Parameters
    ----------
    y : numpy.ndarray
        The landmark's image height (any unit), NaN where not measured.
    centre : float
        Coarse position of the event, samples.
    half : int
        Half-width of the fitted window, samples.
    sign : {-1, 0, 1}
        Required sign of the change of slope ``c`` (0: either).

    Returns
    -------
    tau : float
        Break point, fractional sample index (NaN with too few samples).
    strength : float
        ``|c|`` divided by the residual SD: how sharp the bend is against the jitter.
    """
    lo, hi = max(0, round(centre) - half), min(len(y), round(centre) + half + 1)
    k = np.arange(lo, hi, dtype=np.float64)
    v = y[lo:hi]
    ok = np.isfinite(v)
    if ok.sum() < 5:
        return float("nan"), 0.0
    k, v = k[ok], v[ok]
    best = (np.inf, float("nan"), 0.0)
    for tau in np.arange(max(k[1], centre - 1.5), min(k[-2], centre + 1.5) + 1e-9, 0.05):
        a = np.column_stack([np.ones_like(k), k - tau, np.maximum(0.0, k - tau)])
        coef, *_ = np.linalg.lstsq(a, v, rcond=None)
        if sign and np.sign(coef[2]) != sign:
            continue
        sse = float(np.sum((a @ coef - v) ** 2))
        if sse < best[0]:
            best = (sse, float(tau), float(coef[2]))
    sse, tau, c = best
    if not np.isfinite(tau):
        return float("nan"), 0.0
    sd = np.sqrt(sse / max(1, len(v) - 3)) + 1e-6
    return tau, abs(c) / sd


def _bend(y: np.ndarray, period: float) -> np.ndarray:
    """Second derivative of a gap-free height, per sample², smoothed over ~a tenth of a stride."""
    win = max(5, round(0.12 * period) | 1)
    if len(y) <= win:
        return np.zeros_like(y)
    return savgol_filter(y, win, 2, deriv=2, mode="interp")


def _ground_rise(y_px: np.ndarray, fit: tuple[float, float], horizon_px: float,
                 slope: float | None = None) -> tuple[np.ndarray, float, float]:
    """Height of a landmark above its extrapolated ground path, pixels (up positive).

    A point on a level floor at depth ``Z`` from a level camera is imaged ``f·H / Z``
    below the horizon row (``H`` the camera height), so ``u = 1 / (y − horizon)`` is
    proportional to its depth; the belt carries a stance foot at constant speed, so on
    the ground ``u`` is a straight line in time (a constant overground), whatever the
    view. The line is fitted over the samples in ``fit`` (part of the stance where the
    landmark is down); with ``slope`` (``u`` per sample: the belt speed, shared by every
    stance of a clip) only its offset is. Returns the rise at every sample (NaN where
    unknown), the residual SD of the fit, pixels (NaN with too few samples), and the
    fitted slope.
    """
    nan = np.full(len(y_px), np.nan)
    k = np.arange(max(0, int(np.ceil(fit[0]))), min(len(y_px), int(np.floor(fit[1])) + 1))
    k = k[np.isfinite(y_px[k])] if len(k) else k
    free = 2 if slope is None else 1
    if len(k) < free or not np.all(y_px[k] > horizon_px):
        return nan, float("nan"), float("nan")
    uk = 1.0 / (y_px[k] - horizon_px)
    if slope is None:
        if len(k) < 2:
            return nan, float("nan"), float("nan")
        slope, icpt = np.polyfit(k, uk, 1)
    else:
        icpt = float(np.mean(uk - slope * k))
    u = icpt + slope * np.arange(len(y_px))
    with np.errstate(divide="ignore", invalid="ignore"):
        rise = np.where(u > 0, horizon_px + 1.0 / u - y_px, np.nan)
    sd = float(np.sqrt(np.sum(rise[k] ** 2) / (len(k) - free))) if len(k) > free \
        else float("nan")
    return rise, sd, float(slope)


def ground_crossing(rise: np.ndarray, fit: tuple[float, float], band: float,
                    forward: bool, limit: float) -> tuple[float, float]:
    """When a landmark leaves (or, backwards in time, reaches) its ground path.

    The first sample beyond ``fit`` from which ``rise`` (:func:`_ground_rise`, averaged
    over landmarks) is beyond ``band`` on two samples in a row, linearly interpolated
    between samples. Forwards (toe-off) only a rise counts: a lift moves a point up the
    image of a level camera. Backwards (initial contact) either direction: a foot about
    to land is in the air, but may be imaged below its ground path when nearer the
    camera than where it lands.

    Parameters
    ----------
    rise : numpy.ndarray
        Height above the ground path, any unit (NaN where unknown).
    fit : (float, float)
        Sample range the path was fitted over: the search starts just beyond it.
    band : float
        Height above the ground path that counts as off the ground, unit of ``rise``.
    forward : bool
        Search after ``fit`` (toe-off) or before it (initial contact).
    limit : float
        Sample the search stops at.

    Returns
    -------
    index : float
        Fractional sample index (NaN when not found).
    quality : float
        0..1: the change over one sample at the crossing, in bands (full from one band).
    """
    r = rise if forward else np.abs(rise)
    step = 1 if forward else -1
    j = int(np.floor(fit[1])) + 1 if forward else int(np.ceil(fit[0])) - 1
    while 1 <= j < len(r) - 1 and (j <= limit if forward else j >= limit):
        r0, r1, r2 = r[j - step], r[j], r[j + step]
        if r1 > band and r2 > band and np.isfinite(r0):
            f = float(np.clip((band - r0) / (r1 - r0), 0.0, 1.0)) if r1 != r0 else 0.0
            return j - step + step * f, float(min(1.0, (r1 - r0) / band))
        j += step
    return float("nan"), 0.0


def lift_onset(rise: np.ndarray, start: float, stop: float, band: float,
               found: float) -> float:
    """Onset of a lift from rest, fractional sample: ``rise ≈ k · max(0, t − τ)²``.

    Least squares over the samples from ``start`` to where the rise first exceeds
    ``LIFT_FIT_BANDS`` bands (or ``stop``), ``τ`` on a 0.05-sample grid from ``start``
    to the threshold crossing ``found`` (:func:`ground_crossing`). A threshold crossing
    lags the onset by the time the lift needs to clear the jitter, longer for a slower
    lift; the fitted onset does not. ``found`` when the fit has too few samples.
    """
    a = int(np.ceil(start))
    k = np.arange(a, min(len(rise), int(np.floor(stop)) + 1))
    r = rise[k]
    ok = np.isfinite(r)
    over = np.flatnonzero(ok & (r > LIFT_FIT_BANDS * band))
    if len(over):
        k, r, ok = k[:over[0] + 1], r[:over[0] + 1], ok[:over[0] + 1]
    k, r = k[ok], r[ok]
    if len(k) < 4 or not np.isfinite(found):
        return found
    best, tau_best = np.inf, found
    for tau in np.arange(float(k[0]), found + 1e-9, 0.05):
        basis = np.maximum(0.0, k - tau) ** 2
        den = float(basis @ basis)
        if den <= 0:
            continue
        gain = max(0.0, float(basis @ r) / den)
        sse = float(np.sum((r - gain * basis) ** 2))
        if sse < best:
            best, tau_best = sse, float(tau)
    return tau_best


def _smooth3(y: np.ndarray) -> np.ndarray:
    """Zero-phase [1, 2, 1] / 4 smoothing (NaN where a neighbour is NaN)."""
    out = y.copy()
    out[1:-1] = 0.25 * y[:-2] + 0.5 * y[1:-1] + 0.25 * y[2:]
    return out


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
        sm = {p: _smooth3(down[s][p] * scale) if period > SMOOTH_MIN_PERIOD
              else down[s][p] * scale for p in ("heel", "foot_index")}
        foot = np.nanmean(np.stack([heel, ankle]), axis=0)
        smooth = cues.smooth_for_cycles(_interp_nan(foot), period)
        # Mid-swing: the heel is highest (smallest image y) once per stride.
        span = float(np.percentile(smooth, 95) - np.percentile(smooth, 5))
        swings, _ = find_peaks(-smooth, distance=max(1, int(0.6 * period)),
                               prominence=0.3 * span)
        # Back view: the belt (or the ground) takes the foot towards the camera, down the
        # image; front view: away from it, up the image.
        bend_ic = (1.0 if view == "back" else -1.0) * _bend(_interp_nan(ankle), period)
        cols = vis[:, [LM[f"{s}_heel"], LM[f"{s}_ankle"], LM[f"{s}_foot_index"]]]
        for p in swings:
            a, b = int(p + IC_WINDOW[0] * period), int(p + IC_WINDOW[1] * period)
            if a < 2 or b >= len(foot) - 2:
                continue
            i_ic = a + int(np.argmax(bend_ic[a:b + 1]))
            ic, q_ic = hinge_fit(ankle, i_ic, half, sign=1 if view == "back" else -1)
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
            mid = (ic + 0.35 * (low - ic), ic + 0.65 * (low - ic))
            slopes += [_ground_rise(sm[p], mid if p == "foot_index" else early,
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
        rises = {p: _ground_rise(sm[p], mid if p == "foot_index" else early, horizon_px,
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
    time_s, px, scale, warnings = legs
    fs = 1.0 / float(np.median(np.diff(time_s)))
    max_gap = max(1, round(cfg.max_gap_s * fs))
    min_len = max(8, round(cfg.min_segment_s * fs))
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

"""Gait events (initial contact, toe-off) of both feet in a back or front view.

Seen from behind or in front, the feet move mostly up and down the image: forward
motion is along the optical axis, so the side-view cues (heel most anterior, foot
carried backwards) are not visible. What is visible is how the image-vertical path of
each foot *bends* at the two events:

* **initial contact**: the foot's descent (and, on a treadmill, its forward swing) stops
  and the ground takes it over: the belt carries it towards (back view) or away from
  (front view) the camera, or it stands still (overground). The ankle's vertical image
  velocity changes abruptly: a kink in its path, of either sign depending on the view;
* **toe-off**: the toe leaves the ground: its image path turns upwards (a lift always
  moves a point up the image of a level camera), a kink towards ``−y``.

Each event is the break point of a continuous two-piece linear fit (a hinge) to the
landmark's image height in a short window around the sharpest bend of its path, found
to a fraction of a frame (Fellin et al. 2010, J Sci Med Sport 13:646, use the same
principle from the side: a kinematic discontinuity of the foot marks each event). The
windows follow from the stride: the heel is highest once per stride, in mid-swing; IC
lies between that and the next toe-off of the same foot, TO about a stance later.

Both legs are in view all the time, so left and right are measured alike: this is the
view in which a left-right difference in contact time is a difference of the runner,
not of the camera.
"""

from __future__ import annotations

import numpy as np
from scipy.signal import find_peaks, savgol_filter

from gaitcheck.events import cues
from gaitcheck.events.detect import assemble, split_at_time_gaps
from gaitcheck.events.model import EventSegment, EventWarning, GaitEvents
from gaitcheck.events.settings import DEFAULT_EVENT_SETTINGS, EventSettings
from gaitcheck.events.signals import (
    fill_short_gaps,
    leg_length_px,
    pixel_coords,
    repair_leg_swaps,
    usable_frames,
)
from gaitcheck.events.stances import Stance, _interp_nan
from gaitcheck.events.timing import parabolic_peak
from gaitcheck.landmarks import LM
from gaitcheck.sides import SIDES
from gaitcheck.tracks.footjump import detect_foot_jumps
from gaitcheck.tracks.runs import true_runs
from gaitcheck.tracks.tracks import LandmarkTracks

#: Half-width of the hinge fit around an event, in stride periods (about 4 frames of a
#: 30-fps run): long enough to average the pose jitter, short enough that each side of
#: the break is close to straight.
HINGE_HALF_PERIOD = 0.09
#: Lags of the kinematic marks behind the events, stride periods, measured on the
#: synthetic runner's exact tracks (``benchmarks/frontal_events.py``): the ankle's
#: bend comes ~20 ms (0.03 stride) before IC, as the foot's forward swing ends just
#: before it lands; the toe keeps coming towards the camera ~25 ms (0.035 stride) after
#: it lifts (the toe is most posterior just after toe-off, Zeni et al. 2008).
IC_LAG, TO_LAG = 0.03, -0.035
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
    lo, hi = max(0, int(round(centre)) - half), min(len(y), int(round(centre)) + half + 1)
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
    win = max(5, int(round(0.12 * period)) | 1)
    if len(y) <= win:
        return np.zeros_like(y)
    return savgol_filter(y, win, 2, deriv=2, mode="interp")


def _toe_off(toe: np.ndarray, a: int, b: int, half: int, view: str) -> tuple[float, float]:
    """Toe-off between samples ``a`` and ``b`` from the toe's image height (y down).

    Back view: on the ground the toe comes towards the camera, down the image, until it
    lifts: its lowest image point (parabolic peak of the smoothed path). Front view:
    the break of the toe's path upwards (:func:`hinge_fit`).
    """
    seg = toe[a:b + 1]
    if not np.isfinite(seg).any():
        return float("nan"), 0.0
    i = a + int(np.nanargmax(seg))
    if view == "back" and a < i < b:
        return i + parabolic_peak(toe, i), 8.0
    bend = -_bend(_interp_nan(toe), 20.0)
    return hinge_fit(toe, a + int(np.argmax(bend[a:b + 1])), half, sign=-1)


def frontal_stances(px: np.ndarray, vis: np.ndarray, scale: float, max_gap: int,
                    offset: int, view: str, settings: EventSettings = DEFAULT_EVENT_SETTINGS,
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
    settings : EventSettings
        For ``foot_outlier_tolerance``.

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
    half = max(3, int(round(HINGE_HALF_PERIOD * period)))
    out: list[Stance] = []
    for s in SIDES:
        heel, ankle, toe = (down[s][p] for p in ("heel", "ankle", "foot_index"))
        foot = np.nanmean(np.stack([heel, ankle]), axis=0)
        filled = _interp_nan(foot)
        smooth = cues.smooth_for_cycles(filled, period)
        # Mid-swing: the heel is highest (smallest image y) once per stride.
        span = float(np.percentile(smooth, 95) - np.percentile(smooth, 5))
        swings, _ = find_peaks(-smooth, distance=max(1, int(0.6 * period)),
                               prominence=0.3 * span)
        # Back view: the belt (or the ground) takes the foot towards the camera, down the
        # image; front view: away from it, up the image.
        bend_ic = (1.0 if view == "back" else -1.0) * _bend(_interp_nan(ankle), period)
        bend_to = -_bend(_interp_nan(toe), period)  # upward bend of the toe's path
        cols = vis[:, [LM[f"{s}_heel"], LM[f"{s}_ankle"], LM[f"{s}_foot_index"]]]
        for p in swings:
            a, b = int(p + IC_WINDOW[0] * period), int(p + IC_WINDOW[1] * period)
            if a < 2 or b >= len(foot) - 2:
                continue
            i_ic = a + int(np.argmax(bend_ic[a:b + 1]))
            ic, q_ic = hinge_fit(ankle, i_ic, half, sign=1 if view == "back" else -1)
            if not np.isfinite(ic):
                continue
            a2 = int(ic + TO_WINDOW[0] * period)
            b2 = min(len(toe) - 3, int(ic + TO_WINDOW[1] * period))
            to, q_to = float("nan"), 0.0
            if b2 > a2:
                to, q_to = _toe_off(toe, a2, b2, half, view)
            lo, hi = max(0, int(ic) - 2), min(len(foot), int(ic) + 4)
            v = float(np.nanmean(cols[lo:hi])) if np.isfinite(cols[lo:hi]).any() else 0.0
            conf_ic = float(np.clip(q_ic / 8.0, 0.0, 1.0)) * (0.5 + 0.5 * min(1.0, v))
            conf_to = float(np.clip(q_to / 8.0, 0.0, 1.0)) * (0.5 + 0.5 * min(1.0, v))
            ic, to = ic + IC_LAG * period, to + TO_LAG * period
            out.append(Stance(s, ic + offset, to + offset, conf_ic, conf_to,
                              ic + offset, to + offset, np.nan, np.nan,
                              float(np.clip(q_ic / 8.0, 0.0, 1.0)), v))
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
    time_s = np.asarray(tracks.time_s, dtype=np.float64)
    if tracks.n_frames < 3:
        return GaitEvents(warnings=(EventWarning("too_few_frames_for_events",
                                                  "too few frames to find gait events"),))
    px = pixel_coords(tracks)
    scale = leg_length_px(px)
    if not np.isfinite(scale) or scale <= 0:
        return GaitEvents(warnings=(EventWarning(
            "no_legs", "no legs were found in the clip: no gait events"),))
    px, swapped = repair_leg_swaps(px, scale, cfg.leg_swap_switch_cost, cfg.leg_swap_prior)
    warnings: list[EventWarning] = []
    if swapped.any():
        n = int(swapped.sum())
        warnings.append(EventWarning(
            "legs_swapped", f"the pose model exchanged the left and right legs in {n} "
            f"frame{'s' if n != 1 else ''}; they were relabelled by continuity"))
    fs = 1.0 / float(np.median(np.diff(time_s)))
    max_gap = max(1, round(cfg.max_gap_s * fs))
    min_len = max(8, round(cfg.min_segment_s * fs))
    runs = [(s, e, view) for s, e in true_runs(usable_frames(px, max_gap)) if e - s >= min_len]
    segments = split_at_time_gaps(runs, time_s, cfg.max_gap_s + 1.0 / fs, min_len)
    vis = tracks.image[:, :, 3].astype(np.float64)
    found: list[tuple[EventSegment, list[Stance]]] = []
    for a, b, _ in segments:
        stances, period = frontal_stances(px[a:b], vis[a:b], scale, max_gap, a, view,
                                           cfg)
        seg = EventSegment(a, b, float(time_s[a]), float(time_s[b - 1]),
                           view)  # type: ignore[arg-type]
        if not np.isfinite(period):
            warnings.append(EventWarning(
                "no_regular_stepping", f"no regular stepping between {seg.start_s:.2f} s "
                f"and {seg.stop_s:.2f} s: no events there"))
            continue
        found.append((seg, stances))
    return assemble(found, time_s, activity, warnings, tracks.video.slowmo, fs, cfg)

"""Candidate stances (IC and TO of one foot) in one continuous segment.

Each event is estimated twice and the two are averaged:

* **direct**: kinematic cues at the event itself (:mod:`gaitcheck.events.cues`): for IC
  the heel (or toe) coming down on its stance ground level, and the foot being carried
  backwards at the stance speed; for TO the toe leaving its ground level;
* **anchored**: the Zeni et al. (2008) anchor of the event (heel most anterior, toe most
  posterior relative to the pelvis) plus this subject's own median anchor-to-event lag,
  measured on the direct estimates of the well-seen contacts of the segment.

The anchors are extrema of smooth trajectories, so their timing is stable even where the
foot is badly seen, but they lead IC and lag TO by a subject- and speed-dependent amount;
the direct cues are unbiased but noisy, and meaningless for a foot the pose model cannot
see (the far foot behind a treadmill console). Averaging the two halves the noise of a
visible foot; an occluded foot gets the anchored estimate alone.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
from scipy.signal import savgol_filter

from gaitcheck.events import cues, lags, pivot
from gaitcheck.events.settings import DEFAULT_EVENT_SETTINGS, EventSettings
from gaitcheck.events.signals import SIDES, fill_short_gaps, reject_foot_outliers
from gaitcheck.landmarks import LM


@dataclass(frozen=True)
class FootSignals:
    """Sagittal signals of one foot in one segment.

    Sagittal signals of one foot in one segment, leg lengths (see
    :func:`foot_signals`); ``visibility`` is the mean of heel and foot_index, 0..1.
    """

    heel_fwd: np.ndarray
    heel_up: np.ndarray
    toe_fwd: np.ndarray
    toe_up: np.ndarray
    ankle_fwd: np.ndarray
    visibility: np.ndarray


@dataclass(frozen=True)
class Stance:
    """One candidate stance phase; indices are fractional rows of the whole tracks.

    Attributes
    ----------
    side : {"left", "right"}
    ic, to : float
        Initial contact and toe-off (NaN when not found).
    ic_conf, to_conf : float
        Confidence 0..1.
    ic_direct, to_direct : float
        Direct estimates (NaN when the cues are missing).
    peak, trough : float
        Zeni anchors: heel most anterior, toe most posterior (NaN past the segment end or
        where the foot was not measured around them).
    quality : float
        0..1 sharpness of the direct IC cues.
    visibility : float
        Mean visibility of the foot around the landing, 0..1.
    """

    side: str
    ic: float
    to: float
    ic_conf: float
    to_conf: float
    ic_direct: float
    to_direct: float
    peak: float
    trough: float
    quality: float
    visibility: float


def _interp_nan(y: np.ndarray) -> np.ndarray:
    """Linear interpolation over NaN (constant at the ends), for coarse smoothing only."""
    ok = np.isfinite(y)
    if ok.all() or not ok.any():
        return np.nan_to_num(y)
    idx = np.arange(len(y))
    return np.interp(idx, idx[ok], y[ok])


def _measured(y: np.ndarray, at: float) -> bool:
    """Whether the samples around fractional index ``at`` are measured (not NaN)."""
    if not np.isfinite(at):
        return False
    a, b = max(0, int(np.floor(at)) - 1), min(len(y), int(np.ceil(at)) + 2)
    return bool(np.isfinite(y[a:b]).all())


def _clip01(x: float) -> float:
    return float(np.clip(x, 0.0, 1.0))


def foot_signals(px: np.ndarray, vis: np.ndarray, scale: float, facing: str,
                 max_gap: int, settings: EventSettings = DEFAULT_EVENT_SETTINGS,
                 ) -> tuple[dict[str, FootSignals], float]:
    """Per-foot sagittal signals of a segment, and its stride period.

    ``forward`` is relative to the hip midpoint averaged over one stride (a moving
    linear fit one stride period long), not to the instantaneous hip midpoint: the
    ground, and so a foot on it, then moves at one constant speed in that frame (the belt
    speed on a treadmill, the running speed overground), and neither the pelvis's
    within-stride surge nor the pose model's hip landmarks sliding with the thighs
    bend the stance trajectory. ``up`` is the image height (a static camera sees the
    ground as a fixed line).

    Parameters
    ----------
    px : numpy.ndarray, (n, 33, 2)
        Pixel coordinates of the segment's rows.
    vis : numpy.ndarray, (n, 33)
        Visibility scores.
    scale : float
        Leg length, pixels.
    facing : {"left", "right"}
        Image direction the subject faces: forward is ``−x`` for left, ``+x`` for right.
    max_gap : int
        Interior gaps up to this many samples are interpolated; longer ones stay NaN.
    settings : EventSettings
        For ``foot_outlier_tolerance``.

    Returns
    -------
    feet : dict
        ``{"left": FootSignals, "right": FootSignals}``.
    period : float
        Stride period in samples (NaN without periodic stepping).
    """
    px = fill_short_gaps(reject_foot_outliers(px, scale, settings.foot_outlier_tolerance),
                         max_gap)
    sign = -1.0 if facing == "left" else 1.0
    hip_x = _interp_nan(0.5 * (px[:, LM["left_hip"], 0] + px[:, LM["right_hip"], 0]))
    periods = [cues.stride_period(_interp_nan(sign * (px[:, LM[f"{s}_heel"], 0] - hip_x)))
               for s in SIDES]
    period = float(np.nanmean(periods)) if np.isfinite(periods).any() else float("nan")
    if np.isfinite(period) and len(hip_x) > period + 2:
        hip_x = savgol_filter(hip_x, round(period) | 1, 1, mode="interp")
    feet = {}
    for s in SIDES:
        heel, toe = px[:, LM[f"{s}_heel"]], px[:, LM[f"{s}_foot_index"]]
        cols = vis[:, [LM[f"{s}_heel"], LM[f"{s}_foot_index"]]]
        seen = np.isfinite(cols).any(axis=1)
        v = np.where(seen, np.nanmean(np.where(seen[:, None], cols, 0.0), axis=1), 0.0)
        feet[s] = FootSignals(sign * (heel[:, 0] - hip_x) / scale, -heel[:, 1] / scale,
                              sign * (toe[:, 0] - hip_x) / scale, -toe[:, 1] / scale,
                              sign * (px[:, LM[f"{s}_ankle"], 0] - hip_x) / scale, v)
    return feet, period


def _agreement(a: float, b: float, period: float) -> float:
    """Score the agreement of two estimates of one event.

    1 when two estimates of one event are within a twentieth of a stride (one frame
    of a 30 fps run), falling to 0 at three times that.
    """
    tol = period / 20.0
    return _clip01(1.0 - (abs(a - b) - tol) / (2.0 * tol))


def _visibility_weight(vis: float, settings: EventSettings) -> float:
    """Weight a foot's direct cues by its visibility.

    0..1 weight of a foot's direct cues from its mean visibility: 0 at or below
    ``visibility_guess``, 1 from ``visibility_seen``, linear between.
    """
    return _clip01((vis - settings.visibility_guess)
                   / (settings.visibility_seen - settings.visibility_guess))


def _direct_ic(vert: float, rate: float, hor: float, jump: float, jitter: float,
               vis: float, period: float,
               settings: EventSettings = DEFAULT_EVENT_SETTINGS) -> tuple[float, float]:
    """Direct IC from the vertical and horizontal cues, and its quality 0..1.

    A well-seen foot whose last descent stands clear of the pose jitter (``rate /
    jitter ≥`` ``settings.vertical_snr``) lands when its heel (or toe) reaches the ground: the
    vertical cue alone. Otherwise the cues are averaged with weights the square of their
    sharpness: for the vertical cue the descent-to-jitter ratio (full from 5) times the
    visibility weight, for the horizontal cue the velocity ``jump`` (how abruptly the
    ground takes the foot up). ``period`` (stride, samples) scales their agreement.
    """
    snr = rate / jitter if jitter > 0 else (np.inf if rate > 0 else 0.0)
    w_vis = _visibility_weight(vis, settings)
    q_v = _clip01((snr - 1.0) / 4.0) * w_vis
    q_h = _clip01(jump)
    ok_v, ok_h = bool(np.isfinite(vert)), bool(np.isfinite(hor))
    if ok_v and w_vis >= 0.75 and snr >= settings.vertical_snr:
        return vert, max(q_v, 0.5)
    if ok_v and ok_h and q_v + q_h > 0:
        ic = (q_v**2 * vert + q_h**2 * hor) / (q_v**2 + q_h**2)
        return float(ic), max(q_v, q_h) * _agreement(vert, hor, period)
    if ok_v or ok_h:
        return (vert, 0.5 * q_v) if ok_v else (hor, 0.5 * q_h)
    return float("nan"), 0.0


@dataclass(frozen=True)
class _Window:
    """One stance's search window and the ground levels read in it (segment rows)."""

    cycle: cues.Cycle
    end: float  # the toe's backward peak, at most half a stride on and inside the data
    trough: float  # the toe's backward peak, or where it would be past the segment end
    g_heel: float  # heel's and foot_index's own ground levels, leg lengths
    g_toe: float


def _stance_windows(f: FootSignals, cycles: list[cues.Cycle], period: float
                    ) -> list[_Window]:
    """Windows of the stances long enough to search (a quarter stride past the peak)."""
    n = len(f.heel_fwd)
    out = []
    for c in cycles:
        trough = c.trough if np.isfinite(c.trough) else c.peak + 0.5 * period
        end = min(trough, c.peak + 0.5 * period, n - 2.0)
        if end < c.peak + 0.25 * period:
            continue
        out.append(_Window(c, end, trough, cues.ground_level(f.heel_up, c.peak, end),
                           cues.ground_level(f.toe_up, c.peak, end)))
    return out


def foot_stances(f: FootSignals, side: str, period: float, offset: int,
                 settings: EventSettings = DEFAULT_EVENT_SETTINGS, *,
                 toe_reach: float = 0.0) -> list[Stance]:
    """Candidate stances of one foot in one segment, with direct estimates only.

    Cycles are found on gap-filled, smoothed signals, but the direct cues use measured
    samples only: an event whose samples are missing (subject out of frame, dropped
    poses, a foot rejected as misplaced) gets no direct estimate rather than an
    interpolated one. :func:`anchor_calibrated` completes ``ic`` and ``to``.

    Parameters
    ----------
    f : FootSignals
        The foot's signals in the segment.
    side : {"left", "right"}
        The foot.
    period : float
        Stride period, samples.
    offset : int
        Row index of the segment's first sample in the tracks.
    settings : EventSettings
        Visibility weights, ``vertical_snr``, ``min_ground_band``, ``belt_fraction``,
        ``max_toe_rest``, ``toe_pivot_sd``.
    toe_reach : float
        Where the shoe tip lies beyond foot_index, heel → foot_index lengths (unitless;
        :func:`gaitcheck.landmarks.toe_reach_for`, 0.15 for MediaPipe, 0 for exact
        tracks). The direct toe-off is read on that point's height: while the heel
        rises and the shoe pivots on its tip, a foot_index behind the tip rises with the
        rotation and would read as lift-off 1.5–2.5 frames early. A non-zero reach is
        the prior of the foot's own, read from its push-offs in the segment
        (:mod:`gaitcheck.events.pivot`); 0 (foot_index is the tip) is kept as it is.
    """
    n = len(f.heel_fwd)
    if not np.isfinite(period) or np.isfinite(f.heel_fwd).sum() < 1.5 * period:
        return []
    cycles = cues.zeni_cycles(_interp_nan(f.heel_fwd), _interp_nan(f.toe_fwd), period)
    speed = cues.belt_speed(f.toe_fwd, cycles)
    jitter = cues.stance_jitter(f.toe_up, cycles)
    jitter = jitter if np.isfinite(jitter) else 0.0
    band = max(settings.min_ground_band, 2.5 * jitter)
    windows = _stance_windows(f, cycles, period)
    tip_up = f.toe_up
    if toe_reach:
        # Height of the shoe tip, extrapolated along heel → foot_index (leg lengths), at
        # the foot's own pivot (gaitcheck.events.pivot): where the model puts foot_index
        # on the shoe differs between clips, even between copies of one clip.
        reach = pivot.pivot_reach(_push_off_ratios(f, windows, period, band, settings),
                                  toe_reach, settings.toe_pivot_sd)
        tip_up = f.toe_up + reach * (f.toe_up - f.heel_up)
    out = []
    for w in windows:
        c, end, trough, g_heel, g_toe = w.cycle, w.end, w.trough, w.g_heel, w.g_toe
        # The landing is searched from a frame before the heel's forward peak (the
        # stance foot cannot move forward relative to the pelvis, so it lands after the
        # peak) to 40 % of the way to the end of the stance window: the toe's backward
        # peak, at most half a stride on.
        start = c.peak - max(1.0, 0.05 * period)
        if start < 2:
            continue
        stop = c.peak + 0.4 * (end - c.peak)
        heel = cues.landing_index(f.heel_up, g_heel, band, start, stop)
        toe = cues.landing_index(f.toe_up, g_toe, band, start, stop)
        vert, rate = min((heel, toe), key=lambda r: r[0] if np.isfinite(r[0]) else np.inf)
        hor, jump = cues.carried_index(f.heel_fwd, speed, start, stop,
                                       settings.belt_fraction)
        if not np.isfinite(hor):  # Heel lost (rejected as loose): the ankle is carried too.
            hor, jump = cues.carried_index(f.ankle_fwd, speed, start, stop,
                                           settings.belt_fraction)
        lo, hi = int(max(0, np.floor(c.peak) - 2)), int(min(n, np.ceil(c.peak) + 4))
        vis = float(np.mean(f.visibility[lo:hi]))
        ic, quality = _direct_ic(vert, rate, hor, jump, jitter, vis, period, settings)
        # Toe-off from 40 % of the way to the toe's backward peak (or, past the segment
        # end, to where it would be) to a little after it.
        ref = ic if np.isfinite(ic) else c.peak
        g_tip = cues.ground_level(tip_up, c.peak, end) if toe_reach else g_toe
        to = cues.lift_index(tip_up, g_tip, band, ref + 0.4 * (trough - ref),
                             min(n - 2, trough + 0.15 * period),
                             max_rest=settings.max_toe_rest)
        # An anchor found on interpolated samples (foot rejected or missing around it)
        # is no anchor.
        peak = c.peak if _measured(f.heel_fwd, c.peak) else np.nan
        trough = c.trough if _measured(f.toe_fwd, c.trough) else np.nan
        out.append(Stance(side, np.nan, np.nan, 0.0, 0.0, ic + offset, to + offset,
                          peak + offset, trough + offset, quality, vis))
    return out


def _push_off_ratios(f: FootSignals, windows: list[_Window], period: float,
                     band: float, settings: EventSettings) -> list[float]:
    """Foot_index's rise over the heel's in every push-off of one foot.

    Per stance (:func:`gaitcheck.events.pivot.pivot_ratios`), from 40 % of the way from
    the heel's forward peak to the toe's backward peak to 0.15 strides after it (the
    toe-off search of :func:`foot_stances`), heights above each landmark's own stance
    ground level, foot_index within ``max_toe_rest`` of its own.
    """
    n = len(f.heel_up)
    out: list[float] = []
    for w in windows:
        peak = w.cycle.peak
        out += pivot.pivot_ratios(f.heel_up - w.g_heel, f.toe_up - w.g_toe, band,
                                  settings.max_toe_rest, peak + 0.4 * (w.trough - peak),
                                  min(n - 1.0, w.trough + 0.15 * period))
    return out


def anchor_calibrated(stances: list[Stance], period: float,
                      settings: EventSettings = DEFAULT_EVENT_SETTINGS) -> list[Stance]:
    """Compute the final IC and TO of one segment's stances (see the module docstring).

    The IC's anchor-to-event lag is the weighted median over the foot's own stances
    (weight: cue quality × visibility weight), or over both feet when one foot is too
    badly seen to calibrate itself. The TO's lag is each foot's own unweighted median
    (both feet's below two stances). Both take the mean of the two middle lags where the
    weight splits evenly between them (an even count of equal weights), so the lag
    moves continuously with the direct estimates instead of jumping to another sample.
    The TO's lag is unweighted because, weighted, the far foot behind a treadmill console
    (visibility ~0.77) borrowed the near foot's lag, whose direct − anchor differs from
    its own by ~1 frame (``benchmarks/toe_off_pivot.py``, ``+own``). Each event is then
    ``a · direct + (1 − a) · (anchor + lag)`` with ``a`` half the visibility weight.
    Confidence is the quality of the evidence times the agreement of the direct and
    anchored estimates (full within a twentieth of a stride, none beyond three
    twentieths). Stances with no estimate are dropped.

    Parameters
    ----------
    stances : list of Stance
        Candidates of both feet of one segment (:func:`foot_stances`).
    period : float
        Stride period, samples.
    settings : EventSettings
        For the visibility weights.
    """
    if not stances:
        return []
    w_vis = np.array([_visibility_weight(s.visibility, settings) for s in stances])
    weight = w_vis * np.array([s.quality for s in stances])
    sides = np.array([s.side for s in stances])
    out = []
    for kind in ("ic", "to"):
        direct = np.array([getattr(s, f"{kind}_direct") for s in stances])
        anchor = np.array([s.peak if kind == "ic" else s.trough for s in stances])
        lag = lags.stance_lags(direct, anchor,
                               weight if kind == "ic" else np.ones(len(stances)), sides,
                               midpoint=True)
        est, conf = [], []
        for k, s in enumerate(stances):
            anchored = anchor[k] + lag[k]
            a = 0.5 * w_vis[k]
            if np.isfinite(direct[k]) and np.isfinite(anchored):
                est.append(a * direct[k] + (1 - a) * anchored)
                agree = _agreement(direct[k], anchored, period)
                conf.append((0.5 + 0.5 * max(s.quality, 1 - w_vis[k])) * agree)
            elif np.isfinite(anchored):
                est.append(anchored)
                conf.append(0.4)
            else:
                est.append(direct[k])
                conf.append(s.quality if np.isfinite(direct[k]) else 0.0)
        out.append((np.array(est), np.array(conf)))
    (ic, ic_conf), (to, to_conf) = out
    return [dataclasses.replace(s, ic=float(ic[k]), to=float(to[k]),
                                ic_conf=float(ic_conf[k]), to_conf=float(to_conf[k]))
            for k, s in enumerate(stances) if np.isfinite(ic[k])]

"""Kinematic cues of gait events in one continuous segment of one foot.

Signals are sagittal and scaled by leg length (see
:func:`gaitcheck.events.stances.foot_signals`): ``forward`` relative to the stride-
averaged hip midpoint (so a treadmill belt and overground running look alike: in stance
the foot moves backwards at the running speed) and ``up`` in the image (the ground is a
fixed image line for a static camera). Indices are sample indices of the segment.

Anchors follow Zeni et al. (2008, Gait Posture 27:710): the heel is most anterior
relative to the pelvis near initial contact (IC) and the toe most posterior near toe-off
(TO). Both are biased: the swing foot retracts before it lands (the heel peak leads IC
by 20–50 ms in running) and keeps moving backwards after it leaves the ground (the toe
trough lags TO by up to ~100 ms in running). They delimit the search windows of the
direct cues, and :mod:`gaitcheck.events.stances` calibrates their lag per subject:

* IC, vertical: the heel (or, for a forefoot strike, the toe) comes down onto its stance
  ground level (Fellin et al. 2010, J Sci Med Sport 13:646: heel minimum vertical
  position, the most accurate kinematic IC in treadmill and overground running);
* IC, horizontal: the foot starts being carried backwards at the stance (belt) speed;
* TO: the toe leaves its stance ground level.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.ndimage import median_filter
from scipy.signal import butter, find_peaks, sosfiltfilt

from gaitcheck.events.settings import EventSettings
from gaitcheck.events.timing import parabolic_peak


def stride_period(x: np.ndarray, min_lag: int = 4) -> float:
    """Stride period in samples from the first autocorrelation peak of ``x``.

    Parameters
    ----------
    x : numpy.ndarray, (n,)
        A signal with one cycle per stride (foot forward position); NaN ignored.
    min_lag : int
        Shortest period considered, samples.

    Returns
    -------
    float
        Period in samples (parabolic peak interpolation), NaN without a clear
        periodicity (autocorrelation peak below 0.3).
    """
    y = np.asarray(x, dtype=np.float64)
    y = np.where(np.isfinite(y), y - np.nanmean(y), 0.0)
    n = len(y)
    if n < 3 * min_lag or not np.any(y):
        return float("nan")
    # Autocorrelation through the FFT (zero-padded: no wrap-around), O(n log n): the
    # direct sum is O(n²), seconds for a 10-minute clip.
    size = 1 << (2 * n - 1).bit_length()
    spectrum = np.fft.rfft(y, size)
    ac = np.fft.irfft(spectrum * np.conj(spectrum), size)[:n]
    # Unbiased estimate: each lag is averaged over the samples that overlap.
    ac = ac / np.arange(n, 0, -1) / (ac[0] / n)
    upto = max(min_lag + 2, int(0.6 * n))
    peaks, _ = find_peaks(ac[:upto], height=0.3)
    peaks = peaks[peaks >= min_lag]
    if not len(peaks):
        return float("nan")
    k = int(peaks[np.argmax(ac[peaks] > 0.8 * ac[peaks].max())])
    return k + parabolic_peak(ac, k)


def smooth_for_cycles(x: np.ndarray, period: float) -> np.ndarray:
    """Smooth a gap-free foot signal for extremum picking.

    Median-of-3 then zero-phase low-pass (2nd-order Butterworth, cut-off at four times
    the stride frequency) of a gap-free signal: removes single-frame pose glitches so
    that extremum picking finds one extremum per stride.
    """
    y = median_filter(np.asarray(x, dtype=np.float64), size=3, mode="nearest")
    wn = min(0.9, 8.0 / period)
    if len(y) < 16:
        return y
    return sosfiltfilt(butter(2, wn, output="sos"), y, padlen=min(len(y) - 1, 15))


def extrema(y: np.ndarray, period: float, maximum: bool) -> np.ndarray:
    """Find one extremum per stride.

    One extremum per stride: peaks (``maximum``) or troughs of a smoothed signal at
    least 0.6 periods apart and with a prominence of at least 0.3 of its 5–95 % range.
    """
    s = y if maximum else -y
    span = float(np.percentile(s, 95) - np.percentile(s, 5))
    idx, _ = find_peaks(s, distance=max(1, int(0.6 * period)), prominence=0.3 * span)
    return idx


@dataclass(frozen=True)
class Cycle:
    """Zeni anchors of one stance, fractional sample indices into the segment.

    ``peak``: heel most anterior (just before IC); ``trough``: toe most posterior (just
    after TO), NaN if the stance runs past the segment end.
    """

    peak: float
    trough: float


def zeni_cycles(heel_fwd: np.ndarray, toe_fwd: np.ndarray, period: float) -> list[Cycle]:
    """Zeni anchors of every stance in a gap-free segment of one foot (see module doc)."""
    hs = smooth_for_cycles(heel_fwd, period)
    ts = smooth_for_cycles(toe_fwd, period)
    peaks = extrema(hs, period, maximum=True)
    troughs = extrema(ts, period, maximum=False)
    out = []
    for k, p in enumerate(peaks):
        stop = peaks[k + 1] if k + 1 < len(peaks) else len(hs)
        after = troughs[(troughs > p) & (troughs < stop)]
        q = float(after[0] + parabolic_peak(-ts, int(after[0]))) if len(after) else np.nan
        out.append(Cycle(p + parabolic_peak(hs, int(p)), q))
    return out


def stance_jitter(up: np.ndarray, cycles: list[Cycle]) -> float:
    """Robust SD of pose jitter of a landmark resting on the ground, leg lengths.

    Over the middle fifth of every stance (40–60 % of the way from the heel's forward
    peak to the toe's backward peak) the toe is flat on the ground, so its frame-to-frame
    differences are jitter alone: SD = 1.4826 · MAD / √2. NaN with too few samples.
    """
    d = []
    for c in cycles:
        if np.isfinite(c.trough):
            a = int(np.ceil(c.peak + 0.4 * (c.trough - c.peak)))
            b = int(np.floor(c.peak + 0.6 * (c.trough - c.peak)))
            d.extend(np.diff(up[a:b + 1]).tolist())
    diffs = np.asarray(d)
    diffs = diffs[np.isfinite(diffs)]
    if len(diffs) < 4:
        return float("nan")
    return float(1.4826 * np.median(np.abs(diffs - np.median(diffs))) / np.sqrt(2.0))


def ground_level(up: np.ndarray, lo: float, hi: float) -> float:
    """Find the stance ground level of one landmark.

    Stance ground level of one landmark: 25th percentile of its height over the
    samples in ``[lo, hi]`` (the stance part of a Zeni cycle, where the heel of a
    runner rests on the ground for about a third of the samples). On real pose tracks the
    heel keeps sinking a little while the foot rolls flat, so a lower quantile would
    place the ground below the heel's landing level.
    """
    a, b = max(0, int(np.floor(lo))), min(len(up), int(np.ceil(hi)) + 1)
    seg = up[a:b][np.isfinite(up[a:b])]
    return float(np.percentile(seg, 25)) if len(seg) >= 3 else float("nan")


def landing_index(up: np.ndarray, ground: float, band: float, start: float,
                  stop: float) -> tuple[float, float]:
    """When a landmark comes down to the ground (initial contact): fractional index.

    The first sample ``i`` from ``start`` on within ``band`` of ``ground`` (and the next
    two within ``2·band``: the foot is seen to stay down, so neither one noisy sample
    nor an approach followed by missing samples triggers) ends the descent. A landing
    foot arrives with a downward velocity, so its last centimetres are straight: the
    contact time is extrapolated from the last sample above the band, ``i − 1``, down to
    ``ground`` at the descent rate, the faster of the two last intervals (the last one
    may already include the landing, the one before a brief hover). Never later than
    ``i``.

    Returns
    -------
    index : float
        Fractional sample index; NaN if it does not come down in ``[start, stop]`` or a
        sample it needs is missing.
    rate : float
        Descent per sample just before landing (unit of ``up``); 0 if the landmark was
        already down when the search started.
    """
    h = up - ground
    i = first_ground_sample(h, band, start, stop)
    if i is None:
        return float("nan"), 0.0
    if h[i - 1] <= band:
        # Already down when the search starts: a bound, flagged by a zero rate.
        return float(i), 0.0
    rate = float(max(h[i - 2] - h[i - 1], h[i - 1] - h[i]))
    return float(min(i, (i - 1) + h[i - 1] / rate)), rate


def first_ground_sample(h: np.ndarray, band: float, start: float, stop: float) -> int | None:
    """Find where :func:`landing_index` lands on heights ``h`` above the ground.

    The first sample ``i`` in ``[start, stop]`` within ``band`` whose next two samples
    are within ``2·band``; None if there is none or a sample it needs (``i − 2 … i + 2``)
    is missing before it is found.
    """
    for i in range(max(2, int(np.ceil(start))), min(len(h) - 2, int(np.floor(stop)) + 1)):
        if not np.all(np.isfinite(h[i - 2:i + 3])):
            return None
        if h[i] <= band and h[i + 1] <= 2 * band and h[i + 2] <= 2 * band:
            return i
    return None


#: Longest back-extrapolation from the band crossing to the lift-off, samples. The old
#: estimate was floored at the sample before the last one in the band, 1–2 samples
#: before the crossing (1.5 on average); a slowly creeping toe, whose slope says
#: nothing of when it left the ground, gets that same mean.
MAX_LIFT_BACKSTEP = 1.5


def lift_index(up: np.ndarray, ground: float, band: float, start: float,
               stop: float, max_rest: float = 0.0) -> float:
    """When a landmark leaves the ground (toe-off): fractional index.

    Scanning back from ``stop``, the last sample ``j`` within ``band`` of ``ground`` (the
    one before it also within ``2·band``) precedes the rise (:func:`last_ground_sample`).
    A toe leaves the ground from rest, so its height grows as the square of the time
    since lift-off and the square root of the height ``r`` grows linearly. The estimate
    is the time ``r`` crosses ``√band`` (linear in ``r`` between ``j`` and ``j + 1``)
    minus the time a linear ``r`` needs from 0 to ``√band`` at its slope there (central
    difference of the interpolated ``r`` over ±0.5 sample), at most
    :data:`MAX_LIFT_BACKSTEP` samples. On a toe rising from rest both this and the old
    extrapolation of ``r`` through ``j`` and ``j + 1`` give the lift-off (up to the
    sample that straddles it); unlike the old one this is continuous in the samples:
    when a sample creeping up through the band crosses it, the crossing and the slope
    move with it, where the old one switched to another pair of samples and jumped by
    up to a frame (``tests/test_event_lags.py``). On the shared walking clip, whose
    toes creep up through grass, the old toe-offs and the lags built on them differed
    by 1.5–3 frames between the clip and its mirror (``benchmarks/toe_off_mirror.py``).
    NaN if no lift-off in ``[start, stop]``.

    The toe leaves from its last rest (:func:`rest_height`), not always inside the band:
    as the shoe pivots on its tip, MediaPipe's foot_index can slide up the toe cap. On
    the render rolled by +4° the far tip's point rose ~3.5 bands in 3 frames at heel-off,
    rested 4 frames, then left; read against the ground every far toe-off was 5.3 frames
    early (contact −4.15 frames against the clip, ``benchmarks/roll_contacts.py``). A
    rest above the band, at most ``max_rest`` up (a toe cap), is lowered to the band's
    top first, continuous in its height; ``max_rest`` 0 reads against the ground alone.
    """
    h = up - ground
    j, settled = last_ground_sample(h, band, start, stop)
    if j is None:
        return settled
    rest = rest_height(h, band, j, stop, max_rest)
    if rest > band:
        h = h - (rest - band)
        j, settled = last_ground_sample(h, band, start, stop)
        if j is None:
            return settled
    r = np.sqrt(np.maximum(h, 0.0))
    rb = float(np.sqrt(band))
    cross = j + (rb - r[j]) / (r[j + 1] - r[j])  # r[j] ≤ √band < r[j + 1]
    slope = _interp(r, cross + 0.5) - _interp(r, cross - 0.5)
    back = rb / slope if slope > 0 else np.inf
    return float(cross - min(back, MAX_LIFT_BACKSTEP))


def rest_height(h: np.ndarray, band: float, j: int, stop: float,
                max_rest: float) -> float:
    """Height the landmark rises from: its last rest before the lift-off's rise.

    From the steepest one-sample rise after ``j`` (the last ground sample,
    :func:`last_ground_sample`) up to ``stop`` (or the first missing sample) that starts
    at most ``max_rest`` up, scans back while each sample rises more than ``band`` over
    the one before. The sample ``k`` where that stops is at rest if it is level with
    ``k − 2`` (within ``band``): the first samples of a rise from rest climb slowly
    too, but they accelerate.

    Parameters
    ----------
    h : numpy.ndarray, (T,)
        Height above the ground level, same unit as ``band``.
    band : float
        Ground band (the rest's tolerance per sample).
    j : int
        The last ground sample before the rise.
    stop : float
        Fractional row bounding the search.
    max_rest : float
        Highest start of the rise searched, unit of ``h`` (a toe cap's height): a pause
        higher up is in the swing.

    Returns
    -------
    float
        Height of the last sample at rest, ``h[j]`` when there is no rest after ``j``.
    """
    hi = min(len(h) - 1, int(np.floor(stop)) + 1)
    seg = h[j:hi + 1]
    missing = np.flatnonzero(~np.isfinite(seg))
    seg = seg[:missing[0]] if len(missing) else seg  # up to the first missing sample
    if len(seg) < 2:
        return float(h[j])
    # Steps from a toe-cap's height at most: the rise off the ground, not a surge later in
    # the swing.
    steps = np.where(seg[:-1] <= max_rest, np.diff(seg), -np.inf)
    k = j + int(np.argmax(steps))
    while k > j and h[k] - h[k - 1] > band:
        k -= 1
    # At rest: level over two steps (the slow first samples of a rise from rest are not).
    if k - 2 >= j and abs(h[k] - h[k - 2]) <= band:
        return float(h[k])
    return float(h[j])


def _interp(y: np.ndarray, t: float) -> float:
    """``y`` linearly interpolated at fractional index ``t`` (clamped to the ends)."""
    return float(np.interp(t, np.arange(len(y)), y))


def last_ground_sample(h: np.ndarray, band: float, start: float,
                       stop: float) -> tuple[int | None, float]:
    """Find the last ground sample before the rise (the search of :func:`lift_index`).

    Parameters
    ----------
    h : numpy.ndarray, (T,)
        Height above the ground level, same unit as ``band``.
    band : float
        Ground band: ``h ≤ band`` is on the ground.
    start, stop : float
        Fractional rows bounding the search, scanned back from ``stop``.

    Returns
    -------
    j : int or None
        The last sample within ``band`` (the one before it within ``2·band``) whose next
        sample is above the band: the lift-off lies between ``j − 1`` and ``j + 1``.
    settled : float
        When ``j`` is None, the answer without a rise to read: NaN (missing samples, no
        ground sample, or the foot still down at ``stop``) or a whole row (the foot still
        down after a ground sample before ``stop``); NaN otherwise.
    """
    j_hi = min(len(h) - 2, int(np.floor(stop)))
    for j in range(j_hi, max(1, int(np.ceil(start))) - 1, -1):
        if not np.all(np.isfinite(h[j - 1:j + 2])):
            return None, float("nan")
        if not (h[j] <= band and h[j - 1] <= 2 * band):
            continue
        if not np.isfinite(h[j + 1]) or h[j + 1] <= band:
            return None, float("nan") if j == j_hi else float(j)
        return j, float("nan")
    return None, float("nan")


def belt_speed(fwd: np.ndarray, cycles: list[Cycle]) -> float:
    """Estimate the stance speed of a foot relative to the pelvis.

    Stance speed of the foot relative to the pelvis, leg lengths per sample (negative:
    backwards): median frame-to-frame velocity over the middle 30 % of every stance.
    """
    v = []
    for c in cycles:
        if not np.isfinite(c.trough):
            continue
        a = round(c.peak + 0.35 * (c.trough - c.peak))
        b = round(c.peak + 0.65 * (c.trough - c.peak))
        v.extend(np.diff(fwd[a:b + 1]).tolist())
    speeds = np.asarray(v)
    speeds = speeds[np.isfinite(speeds)]
    return float(np.median(speeds)) if len(speeds) else float("nan")


def carried_index(fwd: np.ndarray, speed: float, start: float, stop: float,
                  fraction: float = EventSettings.belt_fraction) -> tuple[float, float]:
    """When the foot starts being carried backwards (initial contact, horizontal cue).

    The first frame-to-frame velocity from ``start`` on at or beyond ``fraction`` of the
    stance ``speed`` (both negative), interpolated between the velocity samples (which
    sit half-way between frames).

    Returns
    -------
    index : float
        Fractional sample index; NaN if not found in ``[start, stop]`` or a sample it
        needs is missing.
    jump : float
        Velocity change across the crossing as a fraction of the stance speed: near 1
        when the foot is taken up by the ground abruptly, small when it was already
        retracting almost at the stance speed in the air (then the horizontal motion
        cannot tell when it landed).
    """
    if not (np.isfinite(speed) and speed < 0):
        return float("nan"), 0.0
    v = np.diff(fwd)
    target = fraction * speed
    for i in range(max(1, int(np.floor(start))), min(len(v), int(np.ceil(stop)) + 1)):
        if not (np.isfinite(v[i]) and np.isfinite(v[i - 1])):
            return float("nan"), 0.0
        if v[i] <= target:
            jump = float(np.clip((v[i - 1] - v[i]) / -speed, 0.0, 1.0))
            if v[i - 1] <= target:
                return float(i - 0.5), jump
            return float((i - 0.5) + (v[i - 1] - target) / (v[i - 1] - v[i])), jump
    return float("nan"), 0.0

"""Where the shoe pivots in push-off, read from the foot's own landmarks (issue 14).

The direct toe-off (:func:`gaitcheck.events.cues.lift_index`) is read on the shoe tip:
the point ``u`` heel → foot_index lengths beyond foot_index, with ``u`` the pose
backend's *toe reach* (:func:`gaitcheck.landmarks.toe_reach_for`, 0.15 for MediaPipe).
While the heel rises and the shoe rolls over its tip, a point ``u`` behind the pivot
rises by ``ρ = u / (1 + u)`` of the heel's rise, a point beyond it sinks. Where the
model puts foot_index on a shoe is not fixed: on the rendered 60 fps runner
(``benchmarks/push_off_pivot.py``) it nearly hugs the shoe tip in the untransformed
clip (ρ 0.07–0.09), so the fixed reach's point sank 2–5 px below the belt in push-off
and the band crossing waited for it (toe-offs +0.93 / +1.28 frames late), while in the
clip rolled +4° (both feet) and −4° (far foot) it sits up the toe cap (ρ 0.15–0.22). A
fixed reach cannot fit both.

Here each foot's reach is its own: ρ is the median, over the foot's push-off samples,
of foot_index's one-sample rise over the heel's, while the heel is off the ground and
foot_index still within a toe cap of it (the shoe still pivots). The median is shrunk
towards the backend's reach by its precision (a normal prior of SD
``EventSettings.toe_pivot_sd`` on ρ): a short, noisy clip (the real walking clip,
2–3 stances a foot, ratio spread ~0.3–0.8) keeps about the backend's reach, a runner
with many clean push-offs (the render, spread ~0.1) gets its own.
"""

from __future__ import annotations

import numpy as np

#: Robust SD of a sample from its MAD (normal), and the standard error of a median
#: relative to a mean's (normal, large n).
_MAD_SD = 1.4826
_MEDIAN_SE = 1.2533
#: Fewest ratios whose median and MAD are evidence: the real walking clip's CRF 35 copy
#: gave one foot 3 ratios (0.20, 0.77, 0.86) whose MAD claimed a standard error of 0.10.
MIN_RATIOS = 5


def pivot_ratios(heel_h: np.ndarray, toe_h: np.ndarray, band: float, cap: float,
                 lo: float, hi: float) -> list[float]:
    """Measure foot_index's rise over the heel's, per sample, in one push-off.

    Parameters
    ----------
    heel_h, toe_h : numpy.ndarray, (T,)
        Heights of the heel and foot_index above their own stance ground levels (leg
        lengths).
    band : float
        Ground band, leg lengths: the heel counts as off the ground above ``2·band``,
        and only heel steps larger than ``band`` give a ratio (a smaller one is jitter).
    cap : float
        Highest foot_index still on its pivot, leg lengths (a toe cap's height).
    lo, hi : float
        Fractional rows bounding the push-off (from the stance's middle to after the
        toe's backward peak).

    Returns
    -------
    list of float
        ``Δtoe / Δheel`` of every sample step in ``[lo, hi]`` that qualifies.
    """
    a, b = max(1, int(np.ceil(lo))), min(len(heel_h) - 1, int(np.floor(hi)))
    out = []
    for k in range(a, b + 1):
        dh, dt = heel_h[k] - heel_h[k - 1], toe_h[k] - toe_h[k - 1]
        if not (np.isfinite(dh) and np.isfinite(dt)):
            continue
        if heel_h[k - 1] > 2 * band and toe_h[k] < cap and dh > band:
            out.append(float(dt / dh))
    return out


def ratio_median(ratios: list[float]) -> tuple[float, float]:
    """Median of the push-off ratios and its standard error, ``(ρ, SE)``.

    ``SE = 1.2533 · 1.4826 · MAD / √n`` (robust SD from the MAD, a median's standard
    error relative to a mean's); NaN for no ratios.
    """
    if not ratios:
        return float("nan"), float("nan")
    r = np.asarray(ratios, dtype=np.float64)
    med = float(np.median(r))
    return med, _MEDIAN_SE * _MAD_SD * float(np.median(np.abs(r - med))) / np.sqrt(len(r))


def pivot_reach(ratios: list[float], prior_reach: float, prior_sd: float) -> float:
    """Estimate a foot's toe reach from its push-off ratios (:func:`pivot_ratios`).

    Parameters
    ----------
    ratios : list of float
        Foot_index's rise over the heel's, all the foot's push-off samples.
    prior_reach : float
        The backend's reach, heel → foot_index lengths.
    prior_sd : float
        SD of the prior on ρ (unitless); 0 returns ``prior_reach``.

    Returns
    -------
    float
        ``u = ρ / (1 − ρ)`` of the posterior ρ: the precision-weighted mean of the
        ratios' median (:func:`ratio_median`) and the prior's
        ``ρ₀ = u₀ / (1 + u₀)``, clipped to ``[0, 0.3]`` (a pivot behind foot_index or
        more than ~0.4 lengths beyond it is no shoe tip). The prior alone with fewer
        than :data:`MIN_RATIOS` ratios.
    """
    if prior_sd <= 0 or len(ratios) < MIN_RATIOS:
        return prior_reach
    med, se = ratio_median(ratios)
    rho0 = prior_reach / (1.0 + prior_reach)
    w = prior_sd ** 2 / (prior_sd ** 2 + se ** 2)
    rho = float(np.clip(w * med + (1.0 - w) * rho0, 0.0, 0.3))
    return rho / (1.0 - rho)

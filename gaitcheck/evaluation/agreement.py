"""Agreement of a measured parameter with a reference: bias, limits of agreement, ICC.

For paired values of one parameter (contact time per stance, cadence per clip, foot
angle per contact...) measured by gaitcheck and by a reference method (hand labels, a
force plate, a marker-based system, synthetic truth).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

#: z of the two-sided 95 % normal interval, for the limits of agreement.
Z95 = 1.959963984540054
#: Fewest pairs for which an ICC is computed (two subjects give one degree of freedom
#: between subjects: no meaningful variance ratio).
MIN_ICC_PAIRS = 3


@dataclass(frozen=True)
class Agreement:
    """How well estimates agree with reference values (units of the parameter).

    Attributes
    ----------
    n : int
        Number of finite pairs used.
    bias : float
        Mean of ``estimate − reference`` (positive: gaitcheck reads high).
    sd : float
        Sample standard deviation (ddof = 1) of the differences; NaN for n < 2.
    loa_lower, loa_upper : float
        95 % limits of agreement, ``bias ∓ 1.96·sd`` (Bland & Altman 1986, Lancet
        327:307, doi:10.1016/S0140-6736(86)90837-8): where 95 % of the differences of
        a new pair are expected, if the differences are roughly normal and do not
        depend on the size of the value.
    mae : float
        Mean absolute difference.
    rmse : float
        Root-mean-square difference.
    max_abs : float
        Largest absolute difference.
    icc_2_1 : float
        ICC(2,1), two-way random effects, absolute agreement, single measurement
        (Shrout & Fleiss 1979, Psychol Bull 86:420, doi:10.1037/0033-2909.86.2.420;
        McGraw & Wong 1996 "ICC(A,1)", Psychol Methods 1:30,
        doi:10.1037/1082-989X.1.1.30): penalises a bias. The form to report when
        gaitcheck is meant to replace the reference. NaN for fewer than
        :data:`MIN_ICC_PAIRS` pairs or no variance.
    icc_3_1 : float
        ICC(3,1), two-way mixed effects, consistency, single measurement (same
        references, "ICC(C,1)"): blind to a constant bias, so it answers whether
        gaitcheck ranks and spaces subjects like the reference. Interpretation (Koo &
        Li 2016, J Chiropr Med 15:155, doi:10.1016/j.jcm.2016.02.012): < 0.5 poor,
        0.5–0.75 moderate, 0.75–0.9 good, > 0.9 excellent.
    """

    n: int
    bias: float
    sd: float
    loa_lower: float
    loa_upper: float
    mae: float
    rmse: float
    max_abs: float
    icc_2_1: float
    icc_3_1: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (NaN as None)."""
        return {k: (v if isinstance(v, int) or math.isfinite(v) else None)
                for k, v in asdict(self).items()}


def parameter_errors(estimate: Iterable[float], reference: Iterable[float]) -> Agreement:
    """Bias, 95 % limits of agreement, error sizes and ICCs of paired values.

    Parameters
    ----------
    estimate, reference : iterable of float
        Paired values of one parameter, same length and unit; pairs with a NaN on
        either side are left out.

    Returns
    -------
    Agreement
        NaN statistics where there are too few pairs (no pair: everything NaN, n = 0).

    Examples
    --------
    >>> a = parameter_errors([251.0, 262.0, 240.0], [250.0, 260.0, 240.0])
    >>> a.n, a.bias, a.max_abs
    (3, 1.0, 2.0)
    """
    est = np.asarray(list(estimate), dtype=np.float64)
    ref = np.asarray(list(reference), dtype=np.float64)
    if est.shape != ref.shape or est.ndim != 1:
        raise ValueError(f"estimate and reference must be 1-D and paired, got "
                         f"{est.shape} and {ref.shape}")
    ok = np.isfinite(est) & np.isfinite(ref)
    est, ref = est[ok], ref[ok]
    n = len(est)
    nan = float("nan")
    if n == 0:
        return Agreement(0, nan, nan, nan, nan, nan, nan, nan, nan, nan)
    d = est - ref
    bias = float(np.mean(d))
    sd = float(np.std(d, ddof=1)) if n > 1 else nan
    icc2, icc3 = icc(np.column_stack([est, ref]))
    return Agreement(n, bias, sd, bias - Z95 * sd, bias + Z95 * sd,
                     float(np.mean(np.abs(d))), float(np.sqrt(np.mean(d**2))),
                     float(np.max(np.abs(d))), icc2, icc3)


def icc(ratings: np.ndarray) -> tuple[float, float]:
    """ICC(2,1) and ICC(3,1) of an (n subjects × k methods) table.

    From the two-way ANOVA mean squares (Shrout & Fleiss 1979): between subjects
    ``MSR``, between methods ``MSC``, residual ``MSE``::

        ICC(2,1) = (MSR − MSE) / (MSR + (k − 1)·MSE + k·(MSC − MSE)/n)
        ICC(3,1) = (MSR − MSE) / (MSR + (k − 1)·MSE)

    Parameters
    ----------
    ratings : numpy.ndarray, shape (n, k)
        Finite values, one row per subject (or stance, or clip), one column per method.

    Returns
    -------
    tuple of float
        ``(icc_2_1, icc_3_1)``; NaN for fewer than :data:`MIN_ICC_PAIRS` rows, fewer
        than two columns, or no variance at all.
    """
    y = np.asarray(ratings, dtype=np.float64)
    n, k = y.shape
    nan = float("nan")
    if n < MIN_ICC_PAIRS or k < 2:
        return nan, nan
    grand = y.mean()
    rows, cols = y.mean(axis=1), y.mean(axis=0)
    msr = k * float(np.sum((rows - grand) ** 2)) / (n - 1)
    msc = n * float(np.sum((cols - grand) ** 2)) / (k - 1)
    mse = float(np.sum((y - rows[:, None] - cols[None, :] + grand) ** 2)) / ((n - 1) * (k - 1))
    den2 = msr + (k - 1) * mse + k * (msc - mse) / n
    den3 = msr + (k - 1) * mse
    icc2 = (msr - mse) / den2 if den2 > 0 else nan
    icc3 = (msr - mse) / den3 if den3 > 0 else nan
    return float(icc2), float(icc3)

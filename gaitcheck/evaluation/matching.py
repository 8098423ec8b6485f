"""Matching detected gait events to reference events (labels or synthetic truth).

A detection and a reference event are a true positive when they are at most
``tolerance_s`` apart (and, side-aware, of the same foot). With ``one_to_one=True``
(the default) each detection and each reference event belong to at most one pair, and
the pairs are an optimal assignment: as many pairs as possible, then the smallest sum of
absolute timing errors (:func:`scipy.optimize.linear_sum_assignment` on each cluster of
events closer than the tolerance). This is how gaitmap's ``evaluation_utils`` and the
sound-event-detection literature score event detectors; nearest-match scoring, where one
detection can satisfy two labels, overstates recall and hides false positives.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.optimize import linear_sum_assignment

from gaitcheck.evaluation.agreement import Agreement, parameter_errors

_EMPTY_INDEX = np.zeros(0, dtype=np.int64)


def _index_array() -> np.ndarray:
    return _EMPTY_INDEX.copy()


@dataclass(frozen=True)
class EventMatch:
    """Detections matched to reference events.

    Attributes
    ----------
    detected_s, reference_s : numpy.ndarray, shape (D,) and (R,)
        Event times as given, seconds (any clock, the same for both).
    pairs : numpy.ndarray of int, shape (P, 2)
        True positives: ``[i, j]`` pairs detection ``i`` with reference event ``j``
        (indices into the inputs), in reference order.
    false_positives : numpy.ndarray of int, shape (D − P,)
        Indices of the detections paired with no reference event, in time order.
    misses : numpy.ndarray of int, shape (R − P,)
        Indices of the reference events no detection was paired with (false negatives).
    tolerance_s : float
        Largest ``|detected − reference|`` of a pair, seconds.
    one_to_one : bool
        Whether a detection could serve at most one reference event.
    """

    detected_s: np.ndarray
    reference_s: np.ndarray
    pairs: np.ndarray
    false_positives: np.ndarray = field(default_factory=_index_array)
    misses: np.ndarray = field(default_factory=_index_array)
    tolerance_s: float = 0.0
    one_to_one: bool = True

    @property
    def n_true_positives(self) -> int:
        """Number of pairs."""
        return len(self.pairs)

    @property
    def n_false_positives(self) -> int:
        """Detections without a reference event."""
        return len(self.false_positives)

    @property
    def n_misses(self) -> int:
        """Reference events without a detection."""
        return len(self.misses)

    @property
    def timing_errors_s(self) -> np.ndarray:
        """Signed timing errors of the pairs, seconds.

        Signed timing error of each pair, ``detected − reference``, seconds (positive:
        the detection is late), in the order of :attr:`pairs`.
        """
        if not len(self.pairs):
            return np.zeros(0)
        return self.detected_s[self.pairs[:, 0]] - self.reference_s[self.pairs[:, 1]]

    @property
    def precision(self) -> float:
        """TP / (TP + FP): share of the detections that are real; NaN without detections."""
        return _ratio(self.n_true_positives, self.n_true_positives + self.n_false_positives)

    @property
    def recall(self) -> float:
        """Recall (sensitivity) of the matching.

        TP / (TP + FN): share of the reference events found (sensitivity); NaN
        without reference events.
        """
        return _ratio(self.n_true_positives, self.n_true_positives + self.n_misses)

    @property
    def f1(self) -> float:
        """F1 score of the matching.

        2·TP / (2·TP + FP + FN), the harmonic mean of precision and recall; 0 when
        nothing matched, NaN when both inputs are empty.
        """
        tp = self.n_true_positives
        return _ratio(2 * tp, 2 * tp + self.n_false_positives + self.n_misses)

    def timing(self) -> Agreement:
        """Summarise the paired times' agreement with the reference.

        Agreement statistics of the paired times (:func:`parameter_errors`): bias is
        the mean signed timing error, s.
        """
        if not len(self.pairs):
            return parameter_errors([], [])
        return parameter_errors(self.detected_s[self.pairs[:, 0]],
                                self.reference_s[self.pairs[:, 1]])

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary: counts, precision, recall, F1 and the timing errors (s)."""
        timing = self.timing()
        return {"tolerance_s": self.tolerance_s, "one_to_one": self.one_to_one,
                "true_positives": self.n_true_positives,
                "false_positives": self.n_false_positives, "misses": self.n_misses,
                "precision": _finite(self.precision), "recall": _finite(self.recall),
                "f1": _finite(self.f1), "timing_bias_s": _finite(timing.bias),
                "timing_sd_s": _finite(timing.sd),
                "timing_max_abs_s": _finite(timing.max_abs)}


def _ratio(num: float, den: float) -> float:
    return num / den if den else float("nan")


def _finite(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


def event_times(events: Iterable[Any]) -> tuple[np.ndarray, np.ndarray | None]:
    """Read the times (s) and sides of events given in any of the usual forms.

    Parameters
    ----------
    events : iterable
        Numbers (times, s); mappings with ``"time_s"`` and optionally ``"side"`` (the
        contacts and toe-offs of ``report.json``, rows of a label CSV read with
        :class:`csv.DictReader`); or objects with ``time_s`` and optionally ``side``
        attributes (:class:`~gaitcheck.events.GaitEvent`).

    Returns
    -------
    times : numpy.ndarray of float, shape (N,)
    sides : numpy.ndarray of str, shape (N,), or None
        None unless every event carries a side.
    """
    times: list[float] = []
    sides: list[Any] = []
    for e in events:
        if isinstance(e, Mapping):
            times.append(float(e["time_s"]))
            sides.append(e.get("side"))
        elif hasattr(e, "time_s"):
            times.append(float(e.time_s))
            sides.append(getattr(e, "side", None))
        else:
            times.append(float(e))
            sides.append(None)
    has_sides = bool(sides) and all(s is not None for s in sides)
    return (np.asarray(times, dtype=np.float64),
            np.asarray([str(s) for s in sides]) if has_sides else None)


def match_events(detected: Iterable[Any], reference: Iterable[Any], tolerance_s: float,
                 one_to_one: bool = True, *, by_side: bool | None = None) -> EventMatch:
    """Pair detected events with reference events within a tolerance.

    Parameters
    ----------
    detected, reference : iterable
        Event times, s, or events with a time and a side (see :func:`event_times`);
        the same clock for both. Order does not matter.
    tolerance_s : float
        Largest ``|detected − reference|`` of a true positive, s (inclusive). One video
        frame (1/fps) is the usual choice for contacts labelled by eye.
    one_to_one : bool
        True: optimal one-to-one assignment (see the module docstring). False: every
        reference event takes its nearest detection within the tolerance, even one that
        already serves another reference event (the lenient scoring of older studies);
        false positives are then the detections that serve none.
    by_side : bool, optional
        Pair only events of the same foot. Default: when both inputs carry a side. True
        without sides on both inputs raises ``ValueError``.

    Returns
    -------
    EventMatch
        Pairs (true positives), false positives and misses, with precision, recall, F1
        and the signed timing errors.

    Examples
    --------
    >>> m = match_events([1.00, 1.52, 2.40], [1.02, 1.50, 2.00], tolerance_s=0.05)
    >>> m.n_true_positives, m.n_false_positives, m.n_misses
    (2, 1, 1)
    >>> m.timing_errors_s.round(2).tolist()
    [-0.02, 0.02]
    """
    if not (math.isfinite(tolerance_s) and tolerance_s >= 0):
        raise ValueError(f"tolerance_s must be a finite number >= 0, got {tolerance_s!r}")
    det, det_side = event_times(detected)
    ref, ref_side = event_times(reference)
    if not (np.isfinite(det).all() and np.isfinite(ref).all()):
        raise ValueError("event times must be finite")
    sided = by_side if by_side is not None else (det_side is not None and ref_side is not None)
    # An empty input has no sides to miss.
    if sided and ((det_side is None and len(det)) or (ref_side is None and len(ref))):
        raise ValueError("by_side=True needs a side on every detected and reference event")
    groups: list[tuple[np.ndarray, np.ndarray]] = []
    if sided and len(det) and len(ref):
        assert det_side is not None and ref_side is not None
        for side in sorted(set(det_side) | set(ref_side)):
            groups.append((np.flatnonzero(det_side == side), np.flatnonzero(ref_side == side)))
    else:
        groups.append((np.arange(len(det)), np.arange(len(ref))))
    pairs: list[tuple[int, int]] = []
    for d_idx, r_idx in groups:
        pair = _assign if one_to_one else _nearest
        pairs += [(int(d_idx[i]), int(r_idx[j]))
                  for i, j in pair(det[d_idx], ref[r_idx], tolerance_s)]
    pairs.sort(key=lambda p: (ref[p[1]], p[1]))
    used_d = {i for i, _ in pairs}
    used_r = {j for _, j in pairs}
    fp = np.array(sorted((i for i in range(len(det)) if i not in used_d), key=lambda i: det[i]),
                  dtype=np.int64)
    fn = np.array(sorted((j for j in range(len(ref)) if j not in used_r), key=lambda j: ref[j]),
                  dtype=np.int64)
    return EventMatch(det, ref, np.array(pairs, dtype=np.int64).reshape(-1, 2), fp, fn,
                      float(tolerance_s), one_to_one)


def _clusters(det: np.ndarray, ref: np.ndarray, tol: float) -> list[tuple[np.ndarray,
                                                                          np.ndarray]]:
    """Split the events into clusters that can only pair among themselves.

    Index groups of detections and reference events that can only pair within the
    group: runs of the merged, sorted times without a step larger than ``tol``. Keeps
    the assignment cubic in a cluster's size, not in the clip's length.
    """
    times = np.concatenate([det, ref])
    is_ref = np.concatenate([np.zeros(len(det), bool), np.ones(len(ref), bool)])
    idx = np.concatenate([np.arange(len(det)), np.arange(len(ref))])
    order = np.argsort(times, kind="stable")
    cuts = np.flatnonzero(np.diff(times[order]) > tol) + 1
    out = []
    for chunk in np.split(order, cuts):
        d, r = idx[chunk][~is_ref[chunk]], idx[chunk][is_ref[chunk]]
        if len(d) and len(r):
            out.append((d, r))
    return out


def _assign(det: np.ndarray, ref: np.ndarray, tol: float) -> list[tuple[int, int]]:
    """Maximum-cardinality, then minimum total |error|, one-to-one pairs within ``tol``."""
    out = []
    for d, r in _clusters(det, ref, tol):
        err = np.abs(det[d][:, None] - ref[r][None, :])
        ok = err <= tol
        # A forbidden pair costs more than every allowed pair together: the solver first
        # avoids forbidden pairs (most pairs), then minimises the summed error.
        big = 1.0 + float(err[ok].sum()) if ok.any() else 1.0
        rows, cols = linear_sum_assignment(np.where(ok, err, big))
        out += [(int(d[i]), int(r[j])) for i, j in zip(rows, cols, strict=True) if ok[i, j]]
    return out


def _nearest(det: np.ndarray, ref: np.ndarray, tol: float) -> list[tuple[int, int]]:
    """Pair each reference event with its nearest detection (lenient scoring).

    Each reference event with its nearest detection within ``tol`` (shared allowed;
    ties to the earlier detection).
    """
    if not len(det):
        return []
    out = []
    for j, t in enumerate(ref):
        i = int(np.argmin(np.abs(det - t)))
        if abs(det[i] - t) <= tol:
            out.append((i, j))
    return out

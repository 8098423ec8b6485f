"""Runs of True in a boolean time series (gaps, swapped stretches, segments)."""

from __future__ import annotations

import numpy as np


def true_runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """Maximal ``[start, stop)`` index ranges where the 1-D ``mask`` is True."""
    padded = np.concatenate([[0], np.asarray(mask, dtype=np.int8), [0]])
    edges = np.flatnonzero(np.diff(padded))
    return [(int(a), int(b)) for a, b in edges.reshape(-1, 2)]

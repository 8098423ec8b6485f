"""Left/right swap repair by temporal continuity (a Viterbi path over label states).

A limb is split into *segments* (the leg into thigh — hip, knee — and foot — ankle,
heel, toe) whose labels may be exchanged together (a whole-limb swap, MediaPipe's
usual failure where the legs cross) or, at a cost, apart (a *partial* swap: on heavily
compressed video the model exchanges the two lower legs for a frame or two while the
knees stay right). Without the partial states a one-frame lower-leg exchange can only
be explained by exchanging whole legs, and the cheapest such explanation may exchange
the *correct* frames between two glitches (seen on a CRF 35 render: 7 frames whose raw
labels were right were swapped).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np

from gaitcheck.tracks.settings import CleaningSettings


def swap_states(left: np.ndarray, right: np.ndarray, time_s: np.ndarray | None = None, *,
                segments: Sequence[Sequence[int]] | None = None,
                prior: float = CleaningSettings.swap_prior,
                switch: float = CleaningSettings.swap_switch_cost,
                cap: float = CleaningSettings.swap_cap,
                partial: float = CleaningSettings.swap_partial_cost) -> np.ndarray:
    """Frames whose left/right labels are exchanged, per segment, by temporal continuity.

    A frame's state says, for each segment, whether its labels are right or exchanged.
    A path costs, per frame and pair, the distance of both points from their
    constant-velocity prediction (from the two previous frames with data, or one),
    capped at ``cap`` so a glitch cannot dominate, plus ``switch`` per change of state,
    ``prior`` per frame with any segment exchanged (the model is usually right) and
    ``partial`` per frame with some segments exchanged and others not. Second
    differences decide even where the legs cross in a side view (their velocities
    differ). Each frame is also predicted from the frames two and three before it, so a
    one-frame glitch does not make a change of state free next to it (else the cheapest
    path may exchange the correct frames between two glitches). A pair counts only where
    all hypotheses can be scored (a missing point must not favour the labelling that
    hides it); frames without data are skipped, so continuity bridges dropped frames.
    Exact least-cost path (Viterbi on the states of
    t-2, t-1, t).

    Parameters
    ----------
    left, right : numpy.ndarray, shape (T, K, 2)
        The K paired landmarks of each side, image coordinates in body heights (or the
        isotropic unit of ``prior``, ``switch``, ``cap``, ``partial``: summed distances);
        NaN = missing.
    time_s : numpy.ndarray, shape (T,), optional
        Frame times, seconds (default uniform), for predictions across skipped frames.
    segments : sequence of sequences of int, optional
        Partition of the K pair indices into segments; default one segment (the
        whole limb swaps or nothing does).

    Returns
    -------
    numpy.ndarray of bool, shape (T, G)
        True where segment g of frame t is exchanged (never in frames without data).
    """
    k_pairs = left.shape[1]
    groups = [list(g) for g in (segments or [range(k_pairs)])]
    owner = np.empty(k_pairs, int)
    for g, idx in enumerate(groups):
        owner[idx] = g
    n, n_seg = len(left), len(groups)
    bits = np.array(list(itertools.product((0, 1), repeat=n_seg)), np.int8)  # (S, G)
    n_states = len(bits)
    keep = np.flatnonzero(np.isfinite(left).any(axis=(1, 2)) | np.isfinite(right).any(axis=(1, 2)))
    states, m = np.zeros((n, n_seg), bool), len(keep)
    if m < 2:
        return states
    t = (np.arange(n, dtype=float) if time_s is None else np.asarray(time_s, float))[keep]
    # x[s, i, side, k]: points of (left, right) under pair state s, on the kept frames.
    x = np.stack([np.stack([left, right], 1), np.stack([right, left], 1)])[:, keep].astype(float)
    k = ((t[2:] - t[1:-1]) / (t[1:-1] - t[:-2]))[:, None, None, None]

    def dist(r: np.ndarray) -> np.ndarray:  # (..., 2 sides, K, 2) → (..., K)
        return np.minimum(np.linalg.norm(r, axis=-1).sum(axis=-2), cap)

    # first[b, c, i-1, k]: pair cost at i from frame i-1 only; second[a, b, c, i-2, k]: with i-2.
    first = dist(x[None, :, 1:] - x[:, None, :-1])
    second = np.empty((2, 2, 2, m - 2, k_pairs))
    for a in range(0, m - 2, 1024):  # blocks: all frames at once took ~5 kB per frame
        w = slice(a, a + 1024)
        x0, x1, x2, kw = x[:, :-2][:, w], x[:, 1:-1][:, w], x[:, 2:][:, w], k[w]
        second[:, :, :, w] = dist(x2[None, None] - (1 + kw) * x1[None, :, None]
                                  + kw * x0[:, None, None])
    # skip[a, b, c, i-3, k]: frame i predicted from i-3 and i-2 (bridges a glitch at i-1).
    skip = np.zeros((2, 2, 2, max(m - 3, 0), k_pairs))
    for a in range(0, m - 3, 1024):
        w = slice(a, a + 1024)
        x0, x1, x3 = x[:, :-3][:, w], x[:, 1:-2][:, w], x[:, 3:][:, w]
        k2 = ((t[3:] - t[1:-2]) / (t[1:-2] - t[:-3]))[w][:, None, None, None]
        skip[:, :, :, w] = dist(x3[None, None] - (1 + k2) * x1[None, :, None]
                                + k2 * x0[:, None, None])
    first = np.where(np.isfinite(first).all(axis=(0, 1)), first, 0.0)
    second = np.where(np.isfinite(second).all(axis=(0, 1, 2)), second, first[None, :, :, 1:])
    skip = np.where(np.isfinite(skip).all(axis=(0, 1, 2)), skip, 0.0)
    # Joint states: pair k takes the bit of its segment.
    pb = bits[:, owner]  # (S, K)
    cols = np.arange(k_pairs)
    first_j = first[pb[:, None, :], pb[None, :, :], :, cols].sum(axis=2)  # (S, S, m-1)
    second_j = np.empty((n_states, n_states, n_states, m - 2))
    skip_j = np.empty((n_states, n_states, n_states, max(m - 3, 0)))
    for a_s, b_s, c_s in itertools.product(range(n_states), repeat=3):
        second_j[a_s, b_s, c_s] = second[pb[a_s], pb[b_s], pb[c_s], :, cols].sum(axis=0)
        skip_j[a_s, b_s, c_s] = skip[pb[a_s], pb[b_s], pb[c_s], :, cols].sum(axis=0)
    change = switch * (1 - np.eye(n_states))
    own = prior * bits.any(axis=1) + partial * (bits.min(axis=1) != bits.max(axis=1))
    s_idx = np.arange(n_states)
    if m < 4:  # every path of 2 or 3 frames
        paths = np.array(list(itertools.product(s_idx, repeat=m)))
        costs = [own[p].sum() + change[p[:-1], p[1:]].sum() + first_j[p[0], p[1], 0]
                 + (second_j[p[0], p[1], p[2], 0] if m == 3 else 0.0) for p in paths]
        path = paths[int(np.argmin(costs))]
    else:
        # cost[a, b, c]: best path ending with states (a, b, c) at frames (i-3, i-2, i-1).
        cost = (own[:, None, None] + own[None, :, None] + own[None, None, :]
                + change[:, :, None] + change[None, :, :] + first_j[:, :, 0][:, :, None]
                + second_j[:, :, :, 0])
        back = np.zeros((m, n_states, n_states, n_states), np.int16)
        step = change + own[None, :]  # (c, d)
        for i in range(3, m):
            total = (cost[:, :, :, None] + second_j[None, :, :, :, i - 2]
                     + skip_j[:, :, None, :, i - 3]
                     + step[None, None])
            back[i], cost = np.argmin(total, axis=0), np.min(total, axis=0)
        path = np.zeros(m, np.int16)
        path[m - 3], path[m - 2], path[m - 1] = np.unravel_index(int(np.argmin(cost)),
                                                                 cost.shape)
        for i in range(m - 1, 2, -1):
            path[i - 3] = back[i, path[i - 2], path[i - 1], path[i]]
    states[keep] = bits[path].astype(bool)
    return states


def detect_swaps(left: np.ndarray, right: np.ndarray, time_s: np.ndarray | None = None, *,
                 prior: float = CleaningSettings.swap_prior,
                 switch: float = CleaningSettings.swap_switch_cost,
                 cap: float = CleaningSettings.swap_cap) -> np.ndarray:
    """Frames whose left/right labels are exchanged as a whole (one segment).

    :func:`swap_states` with a single segment; parameters as there.

    Returns
    -------
    numpy.ndarray of bool, shape (T,)
        True in exchanged frames (never in frames without data).
    """
    return swap_states(left, right, time_s, prior=prior, switch=switch, cap=cap)[:, 0]

"""Planar and 3D geometry of the leg chain: foot pose, two-link forward and inverse
kinematics.

Sagittal vectors are ``(forward, up)`` pairs. Angles, radians: foot angle ``θ`` (heel →
foot_index from the ground, toes up positive), thigh angle ``α`` (hip → knee from the
downward vertical, knee forward positive), knee flexion ``κ`` (0 = straight), shank
angle ``ψ = α − κ``.
"""

from __future__ import annotations

import numpy as np

from gaitcheck.synth.anthropometry import Anthropometry


def rotate2(v: np.ndarray, theta: np.ndarray) -> np.ndarray:
    """Rotate 2D vectors ``v`` (..., 2) anticlockwise (toes up) by ``theta`` (rad)."""
    c, s = np.cos(theta), np.sin(theta)
    return np.stack([v[..., 0] * c - v[..., 1] * s, v[..., 0] * s + v[..., 1] * c], axis=-1)


def foot_from_heel(heel: np.ndarray, theta: np.ndarray,
                   body: Anthropometry) -> tuple[np.ndarray, np.ndarray]:
    """Ankle and toe (foot_index), (..., 2), of a foot with its heel at ``heel``."""
    ankle = heel + rotate2(np.broadcast_to(body.ankle_in_foot(), heel.shape), theta)
    toe = heel + body.foot_length * np.stack([np.cos(theta), np.sin(theta)], axis=-1)
    return ankle, toe


def heel_from_ankle(ankle: np.ndarray, theta: np.ndarray, body: Anthropometry) -> np.ndarray:
    """Heel (..., 2) of a foot whose ankle centre is at ``ankle``."""
    return ankle - rotate2(np.broadcast_to(body.ankle_in_foot(), ankle.shape), theta)


def chain_distance(knee_rad: np.ndarray | float, body: Anthropometry) -> np.ndarray:
    """Hip-to-ankle distance for a knee flexion (law of cosines), m."""
    a, b = body.thigh, body.shank
    return np.sqrt(a * a + b * b + 2 * a * b * np.cos(knee_rad))


def leg_angles(d: np.ndarray, body: Anthropometry) -> tuple[np.ndarray, np.ndarray]:
    """Thigh angle ``α`` and knee flexion ``κ`` (rad) of a planar chain whose ankle is at
    ``d`` = (forward, up) (..., 2) from the hip, knee in front of the hip-ankle line."""
    a, b = body.thigh, body.shank
    r = np.hypot(d[..., 0], d[..., 1])
    knee = np.pi - np.arccos(np.clip((a * a + b * b - r * r) / (2 * a * b), -1, 1))
    alpha = np.arctan2(d[..., 0], -d[..., 1]) + np.arccos(
        np.clip((a * a + r * r - b * b) / (2 * a * r), -1, 1))
    return alpha, knee


def leg_fk(alpha: np.ndarray, knee: np.ndarray, body: Anthropometry) -> np.ndarray:
    """Ankle relative to the hip, (..., 2) (forward, up), of the planar chain."""
    psi = alpha - knee
    return np.stack([body.thigh * np.sin(alpha) + body.shank * np.sin(psi),
                     -body.thigh * np.cos(alpha) - body.shank * np.cos(psi)], axis=-1)


def knee_ik(hip: np.ndarray, ankle: np.ndarray,
            body: Anthropometry) -> tuple[np.ndarray, np.ndarray]:
    """Knee centre from hip and ankle centres (N, 3) by two-link inverse kinematics.

    The knee lies in the plane of the hip-ankle line and the forward (+x) axis, in front
    of the line. An ankle beyond reach is pulled towards the hip onto the reach sphere
    (returned as the second value) so segment lengths stay exact.
    """
    a, b = body.thigh, body.shank
    v = ankle - hip
    r = np.linalg.norm(v, axis=-1, keepdims=True)
    e = v / r
    r = np.clip(r, abs(a - b) + 1e-9, a + b)
    ankle = hip + e * r
    along = (a * a - b * b + r * r) / (2 * r)
    h = np.sqrt(np.clip(a * a - along * along, 0.0, None))
    fwd = np.array([1.0, 0.0, 0.0]) - e[:, :1] * e
    fwd /= np.linalg.norm(fwd, axis=-1, keepdims=True)
    return hip + along * e + h * fwd, ankle

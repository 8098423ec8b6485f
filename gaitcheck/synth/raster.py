"""Depth-tested drawing of shaded capsules: the pixel engine behind the synthetic runner.

A capsule is a segment with a radius at each end (a sphere when the ends coincide). Each
is projected by the pinhole camera, split into tight row strips when it is long and
slanted, and shaded per pixel from its screen-space normal through a small lookup table
(:func:`shade_table`). Capsules are drawn far to near (painter's algorithm) and every
pixel also passes a depth test against what is already drawn, so volumes that
interpenetrate (hair and face, a thigh in the pelvis, a limb behind a treadmill upright)
meet where their surfaces really cross. Edges are anti-aliased over half a pixel.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from gaitcheck.synth.camera import Camera
from gaitcheck.video._cv import cv2


class Part(NamedTuple):
    """Size and looks of one capsule (its two end points are given separately)."""

    ra: float  # radius at each end, m
    rb: float
    colour: np.ndarray  # RGB 0-255, float32
    colour2: np.ndarray  # used beyond ``split`` (0-1 along the capsule)
    split: float
    switch: tuple | None  # (camera-frame direction, threshold, colour), see shade_table
    flat: bool
    shine: float
    bias: float
    depth_scale: float  # depth extent / silhouette radius (1 for round sections)


#: Samples per screen-normal component (nx, ny in -1..1) of a shading table.
SHADE_SAMPLES = 65
_GRID = np.linspace(-1.0, 1.0, SHADE_SAMPLES, dtype=np.float32)


@functools.lru_cache(maxsize=256)  # 25 kB each
def shade_table(colour: tuple, colour2: tuple, shine: float, dim: float,
                light_dir: tuple[float, float, float], switch: tuple | None = None,
                flat: bool = False) -> np.ndarray:
    """Lit colour of a rounded surface as a function of its screen normal.

    The renderer looks pixels up here (nearest sample, by ``cv2.remap`` on the normal's
    x and y) instead of lighting each pixel: far cheaper, and smooth enough once blurred.

    Parameters
    ----------
    colour, colour2 : tuple of float
        Albedo, RGB 0-255: ``colour2`` fills the right half of the table.
    shine : float
        Strength of the specular highlight (0 matte).
    dim : float
        Overall brightness factor (the far side of the body is dimmer).
    light_dir : tuple of float
        Direction towards the light in the camera frame (see :class:`SceneStyle`).
    switch : tuple, optional
        ``(direction, threshold, colour)``: where the normal's component along the
        camera-frame ``direction`` exceeds ``threshold`` the albedo becomes ``colour``
        (hair on the head), with a soft edge.
    flat : bool
        Unlit (decals such as eyes and mouth).

    Returns
    -------
    numpy.ndarray, shape (SHADE_SAMPLES, 2 × SHADE_SAMPLES, 3), uint8
        Row = normal y, column = normal x (+ SHADE_SAMPLES for ``colour2``), from -1 to 1.
    """
    light = np.asarray(light_dir, np.float32) / np.linalg.norm(light_dir)
    half = light + np.float32([0.0, 0.0, -1.0])  # Blinn half-vector, viewer along -z
    half /= np.linalg.norm(half)
    nx, ny = _GRID[None, :], _GRID[:, None]
    q2 = nx * nx + ny * ny
    norm = np.sqrt(np.maximum(q2, 1.0))  # corners outside the disc take the rim's normal
    nx, ny = nx / norm, ny / norm
    nz = -np.sqrt(np.clip(1 - q2, 0, 1))  # the surface faces the camera: -z
    if flat:
        shade = np.ones_like(nz)
    else:
        lam = np.maximum(nx * light[0] + ny * light[1] + nz * light[2], 0)
        spec = np.maximum(nx * half[0] + ny * half[1] + nz * half[2], 0) ** 12
        shade = 0.36 + 0.64 * lam + shine * spec
    tables = []
    for col in (colour, colour2):
        base = np.broadcast_to(np.asarray(col, np.float32), (*nz.shape, 3))
        if switch is not None:
            sd = switch[0]
            # A soft edge: a binary switch would alias in the nearest-neighbour lookup.
            on = np.clip((nx * sd[0] + ny * sd[1] + nz * sd[2] - switch[1]) / 0.1 + 0.5, 0, 1)
            base = base + on[..., None] * (np.asarray(switch[2], np.float32) - base)
        tables.append(base * (shade * dim)[..., None])
    return np.clip(np.concatenate(tables, axis=1), 0, 255).astype(np.uint8)


def _strips(a: np.ndarray, b: np.ndarray, r: float, x0: int, y0: int, x1: int, y1: int
            ) -> list[tuple[int, int, int, int]]:
    """Split a long slanted capsule's box into row strips with tight column ranges."""
    h, w = y1 - y0, x1 - x0
    length = float(np.hypot(*(b - a)))
    if h * w < 6000 or (2 * r * length + 3.2 * r * r) > 0.5 * h * w:
        return [(x0, y0, x1, y1)]
    n = int(np.clip(h / max(2.5 * r, 40.0), 1, 10))
    edges = np.linspace(y0, y1, n + 1).astype(int)
    out = []
    for ya, yb in itertools.pairwise(edges):
        if abs(b[1] - a[1]) < 1e-6:
            tlo, thi = 0.0, 1.0
        else:
            ta, tb = (ya - r - a[1]) / (b[1] - a[1]), (yb + r - a[1]) / (b[1] - a[1])
            tlo, thi = np.clip(sorted((ta, tb)), 0, 1)
        xa, xb = a[0] + tlo * (b[0] - a[0]), a[0] + thi * (b[0] - a[0])
        xs0, xs1 = max(int(min(xa, xb) - r - 1.5), x0), min(int(max(xa, xb) + r + 2.5), x1)
        if xs1 > xs0 and yb > ya:
            out.append((xs0, ya, xs1, yb))
    return out


def _raster(frame: np.ndarray, zbuf: np.ndarray, origin: tuple[int, int], xs: np.ndarray,
            ys: np.ndarray, strip: tuple[int, int, int, int], geo: tuple,
            table: np.ndarray) -> bool:
    """Shade one rectangle of a capsule into ``frame`` with a depth test; True if drawn.

    ``zbuf`` covers the figure's bounding box, whose top-left pixel is ``origin``.
    ``geo`` is the capsule in pixels: axis start (ax, ay), axis vector (abx, aby) and
    its squared length, radius r0 (+0.5 px of anti-aliasing) and its change dr along the
    axis; axis depth z0 and its change dz, section depth extent rz0 and its change drz
    (metres); and the colour split (0-1 along the axis). In-place float32 operations:
    this loop is most of the frame time.
    """
    x0, y0, x1, y1 = strip
    ax, ay, abx, aby, len2, r0, dr, z0, dz, rz0, drz, split = geo
    f32 = np.float32
    px = xs[x0:x1] - f32(ax)
    py = ys[y0:y1, None] - f32(ay)
    if len2 > 1e-6:
        t = np.add(py * f32(aby / len2), px * f32(abx / len2))
        np.clip(t, 0, 1, out=t)
        dx = px - t * f32(abx)
        dy = py - t * f32(aby)
    else:
        t = None
        dx = np.broadcast_to(px, (y1 - y0, x1 - x0))
        dy = np.broadcast_to(py, (y1 - y0, x1 - x0))
    d = cv2.magnitude(np.ascontiguousarray(dx), np.ascontiguousarray(dy))  # 8× np.hypot
    tapered = t is not None and abs(dr) > 1e-3
    r = t * f32(dr) + f32(r0) if tapered else f32(r0)
    inv_r = 1 / r
    alpha = r - d
    np.clip(alpha, 0, 1, out=alpha)
    nz = d
    nz *= inv_r  # d is not needed any more
    np.multiply(nz, nz, out=nz)
    np.subtract(1, nz, out=nz)
    np.maximum(nz, 0, out=nz)
    np.sqrt(nz, out=nz)
    rz = t * f32(drz) + f32(rz0) if tapered else f32(rz0)
    nz *= rz
    depth = t * f32(dz) + f32(z0) if t is not None else np.full_like(nz, z0)
    depth -= nz
    zslice = zbuf[y0 - origin[1]:y1 - origin[1], x0 - origin[0]:x1 - origin[0]]
    alpha *= depth < zslice
    if not alpha.any():
        return False
    scale = f32((SHADE_SAMPLES - 1) / 2)
    mapx = dx * (inv_r * scale)
    mapx += scale
    if split < 1 and t is not None:
        mapx += (t > split) * f32(SHADE_SAMPLES)
    mapy = dy * (inv_r * scale)
    mapy += scale
    colour = cv2.remap(table, mapx, mapy, cv2.INTER_NEAREST, borderMode=cv2.BORDER_REPLICATE)
    region = frame[y0:y1, x0:x1]
    region[:] = cv2.blendLinear(colour, region, alpha, 1 - alpha)
    np.copyto(zslice, depth, where=alpha >= 0.5)
    return True


def draw_capsules(frame: np.ndarray, scene_depth: np.ndarray, camera: Camera, ends: np.ndarray,
                  parts: Sequence[Part], light_dir: tuple[float, float, float],
                  far_dim: float, z_ref: float) -> tuple[int, int, int, int]:
    """Draw capsules far to near into ``frame`` (in place) with a per-pixel depth test.

    Parameters
    ----------
    frame : numpy.ndarray, shape (H, W, 3), uint8
        Image to draw into (the background).
    scene_depth : numpy.ndarray, shape (H, W), float32
        Depth of occluders already in ``frame`` (``inf`` where none), metres.
    camera : Camera
        The camera of ``frame``.
    ends : numpy.ndarray, shape (2 N, 3)
        World end points of the capsules: capsule ``i`` runs from ``ends[2 i]`` to
        ``ends[2 i + 1]``, metres.
    parts : sequence of Part
        Radii and looks of the N capsules.
    light_dir : tuple of float
        Direction towards the key light, camera frame.
    far_dim : float
        Darkening per metre of a capsule's depth behind ``z_ref``.
    z_ref : float
        Reference depth (the pelvis), metres.

    Returns
    -------
    tuple of int
        ``(x0, y0, x1, y1)``, the pixels drawn on (all zero if none).
    """
    # The depth buffer covers the capsules' bounding box only: copying a whole frame's
    # worth would cost more than drawing some limbs.
    height, width = frame.shape[:2]
    proj = camera.project(np.asarray(ends))
    ra_m = np.array([q.ra for q in parts], np.float32)
    rb_m = np.array([q.rb for q in parts], np.float32)
    bias = np.array([q.bias for q in parts], np.float32)
    a2, b2 = proj[0::2, :2], proj[1::2, :2]
    za, zb = proj[0::2, 2], proj[1::2, 2]
    ok = (za > 0.05) & (zb > 0.05) & (ra_m > 0)
    ra = camera.focal_px * ra_m / np.where(ok, za, 1)
    rb = camera.focal_px * rb_m / np.where(ok, zb, 1)
    xs = np.arange(width, dtype=np.float32)
    ys = np.arange(height, dtype=np.float32)
    rmax = np.maximum(ra, rb) + 1.5
    lo = np.clip(np.minimum(a2, b2) - rmax[:, None], 0, (width, height)).astype(int)
    hi = np.clip(np.maximum(a2, b2) + rmax[:, None] + 1, 0, (width, height)).astype(int)
    ok &= (hi > lo).all(1)
    if not ok.any():
        return 0, 0, 0, 0
    origin = lo[ok].min(0)
    corner = hi[ok].max(0)
    zbuf = scene_depth[origin[1]:corner[1], origin[0]:corner[0]].copy()
    box = [width, height, 0, 0]
    for i in np.argsort(-(za + zb) / 2 + bias, kind="stable"):
        if not ok[i]:
            continue
        (x0, y0), (x1, y1) = lo[i], hi[i]
        dim = float(np.clip(1 - far_dim * ((za[i] + zb[i]) / 2 - z_ref), 0.55, 1.12))
        part = parts[i]
        # Dimming quantised to 2 % so most parts hit the table cache.
        table = shade_table(tuple(map(float, part.colour)), tuple(map(float, part.colour2)),
                            part.shine, round(dim * 50) / 50, tuple(light_dir), part.switch,
                            part.flat)
        ab = b2[i] - a2[i]
        len2 = float(ab @ ab)
        geo = (a2[i, 0], a2[i, 1], ab[0], ab[1], len2, ra[i] + 0.5, rb[i] - ra[i],
               za[i] - bias[i], zb[i] - za[i], part.depth_scale * ra_m[i],
               part.depth_scale * (rb_m[i] - ra_m[i]), part.split)
        for strip in _strips(a2[i], b2[i], rmax[i] - 1.5, x0, y0, x1, y1):
            if _raster(frame, zbuf, origin, xs, ys, strip, geo, table):
                box = [min(box[0], strip[0]), min(box[1], strip[1]), max(box[2], strip[2]),
                       max(box[3], strip[3])]
    return box[0], box[1], box[2], box[3]

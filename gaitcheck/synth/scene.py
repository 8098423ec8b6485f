"""The world around the synthetic runner: room, treadmill, console and ground shadows.

The scene is ray-cast once per camera (every pixel's ray is intersected with the room's
walls, the floor and a few oriented boxes), giving a background image and a depth image.
Each frame starts from both and the figure is drawn over them with a depth test
(:mod:`gaitcheck.synth.raster`), so treadmill parts between the camera and the runner
(console, uprights, side rails) hide the body exactly where they should. Floor, walls
and the belt never occlude the figure (their depth is ``inf``), so a sole that dips a
few millimetres below the belt in the ground truth is still drawn.

World frame as in :mod:`gaitcheck.synth.motion` (``x`` forward, ``y`` up, ground or belt
at ``y = 0``). Everything here is symmetric in ``z``, so the scene does not depend on
which side ``+z`` is.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Literal

import numpy as np

from gaitcheck.synth.camera import Camera
from gaitcheck.video._cv import cv2

RGB = tuple[int, int, int]


@dataclass(frozen=True)
class SceneStyle:
    """Look of the scene and of the runner's clothes.

    Attributes
    ----------
    setting : {"treadmill", "overground"}
        A treadmill in a garage-like room, or an indoor running track.
    console : bool
        Draw the treadmill's uprights, handrails and console (treadmill only). They stand
        in front of the runner, so in the front and oblique views they hide part of the
        body, as in real treadmill clips.
    shirt, shorts, skin, hair, shoe, sole, sock : tuple of int
        Clothing and body colours, RGB 0-255.
    background_seed : int
        Seed of the room's procedural texture and decorations.
    blur_sigma_px : float
        Gaussian blur applied to every frame (lens and motion softness), pixels.
    noise_sd : float
        Standard deviation of the per-frame sensor noise, grey levels (0-255 scale).
    light_dir : tuple of float
        Direction towards the key light in the camera frame (``x`` right, ``y`` down,
        ``z`` along the optical axis), so every view is lit from the camera's upper left.
    far_dim : float
        Extra darkening per metre of depth behind the pelvis (the far side of the body is
        in the body's own shadow), fraction per metre.
    shadows : bool
        Soft contact shadows under the feet and pelvis on the ground.
    """

    setting: Literal["treadmill", "overground"] = "treadmill"
    console: bool = True
    shirt: RGB = (196, 58, 52)
    shorts: RGB = (32, 40, 78)
    skin: RGB = (222, 168, 132)
    hair: RGB = (48, 34, 26)
    shoe: RGB = (60, 150, 235)
    sole: RGB = (240, 240, 235)
    sock: RGB = (245, 245, 245)
    background_seed: int = 0
    blur_sigma_px: float = 0.7
    noise_sd: float = 2.0
    light_dir: tuple[float, float, float] = (-0.35, -0.55, -0.75)
    far_dim: float = 1.2
    shadows: bool = True


@dataclass(frozen=True, eq=False)
class Scene:
    """Pre-rendered static scene for one camera.

    Attributes
    ----------
    image : numpy.ndarray, shape (H, W, 3), uint8
        Background, RGB, already blurred like the figure will be.
    depth : numpy.ndarray, shape (H, W), float32
        Depth along the optical axis of occluding scene objects, metres; ``inf`` where
        only walls, floor or belt are seen.
    noise_add, noise_sub : numpy.ndarray, shape (H × W × 3 + NOISE_SPAN,), uint8
        Positive and negative parts of a flat zero-mean sensor-noise buffer; each frame
        adds and subtracts (saturating) the same contiguous window of both, starting at a
        random offset, which is much cheaper than drawing fresh noise.
    """

    image: np.ndarray
    depth: np.ndarray
    noise_add: np.ndarray
    noise_sub: np.ndarray


@dataclass(frozen=True)
class _Box:
    centre: tuple[float, float, float]
    half: tuple[float, float, float]
    colour: RGB
    occludes: bool = True
    tilt_deg: float = 0.0  # rotation about z (leans an upright towards the runner)
    texture: str = "plain"


#: Extra noise samples beyond one frame: the range of the per-frame random offset.
NOISE_SPAN = 1 << 16


def _tile_noise(rng: np.random.Generator, size: int, cells: int) -> np.ndarray:
    """Smooth tileable noise in about -1..1 from a ``cells``×``cells`` random grid."""
    grid = rng.standard_normal((cells, cells)).astype(np.float32)
    big = cv2.resize(np.tile(grid, (3, 3)), (3 * size, 3 * size), interpolation=cv2.INTER_CUBIC)
    return big[size:2 * size, size:2 * size] / 1.5


def _sample(tex: np.ndarray, a: np.ndarray, b: np.ndarray, metres: float) -> np.ndarray:
    """Sample a tileable texture that repeats every ``metres`` at surface coords (a, b)."""
    n = tex.shape[0]
    shape = np.shape(a)
    # cv2.remap wants a 2D map with sides < 32767, so fold any shape into rows of 1024.
    flat_a, flat_b = np.ravel(a), np.ravel(b)
    pad = -flat_a.size % 1024
    mx = np.mod(np.pad(flat_a, (0, pad)) * (n / metres), n).astype(np.float32).reshape(-1, 1024)
    my = np.mod(np.pad(flat_b, (0, pad)) * (n / metres), n).astype(np.float32).reshape(-1, 1024)
    out = cv2.remap(tex, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_WRAP)
    return out.ravel()[:flat_a.size].reshape(shape)


def _treadmill_boxes(console: bool) -> list[_Box]:
    dark, frame_grey, belt = (38, 38, 42), (70, 72, 78), (34, 34, 36)
    boxes = [
        _Box((0.05, -0.1, 0.0), (0.85, 0.1, 0.25), belt, occludes=False, texture="belt"),
        _Box((0.05, -0.09, 0.31), (0.9, 0.11, 0.06), frame_grey),
        _Box((0.05, -0.09, -0.31), (0.9, 0.11, 0.06), frame_grey),
        _Box((1.0, -0.06, 0.0), (0.14, 0.14, 0.37), dark),  # motor hood
    ]
    if console:
        for z in (0.34, -0.34):
            boxes.append(_Box((0.92, 0.55, z), (0.035, 0.62, 0.03), dark, tilt_deg=12.0))
            boxes.append(_Box((0.62, 1.02, z), (0.2, 0.025, 0.025), frame_grey))
        boxes.append(_Box((0.8, 1.2, 0.0), (0.13, 0.09, 0.37), dark, tilt_deg=-25.0,
                          texture="console"))
    return boxes


def _rays(camera: Camera) -> np.ndarray:
    """World direction of every pixel's ray, scaled so the optical-axis component is 1."""
    u = (np.arange(camera.width, dtype=np.float32) + 0.5 - camera.width / 2) / camera.focal_px
    v = (np.arange(camera.height, dtype=np.float32) + 0.5 - camera.height / 2) / camera.focal_px
    cam = np.empty((camera.height, camera.width, 3), np.float32)
    cam[..., 0] = u[None, :]
    cam[..., 1] = v[:, None]
    cam[..., 2] = 1.0
    return cam @ np.asarray(camera.rotation, np.float32)


def _box_axes(box: _Box) -> np.ndarray:
    c, s = np.cos(np.radians(box.tilt_deg)), np.sin(np.radians(box.tilt_deg))
    return np.array([[c, s, 0.0], [-s, c, 0.0], [0.0, 0.0, 1.0]], np.float32)


def _hit_box(origin: np.ndarray, rays: np.ndarray, box: _Box) -> tuple[np.ndarray, np.ndarray]:
    """Ray parameter (inf on a miss) and world normal of each ray's entry into ``box``."""
    axes = _box_axes(box)
    o = axes @ (origin - np.asarray(box.centre, np.float32))
    d = rays @ axes.T
    d = np.where(np.abs(d) < 1e-9, np.float32(1e-9), d)
    half = np.asarray(box.half, np.float32)
    t1, t2 = (-half - o) / d, (half - o) / d
    near, far = np.minimum(t1, t2), np.maximum(t1, t2)
    face = np.argmax(near, axis=-1)
    t_in = np.take_along_axis(near, face[..., None], -1)[..., 0]
    hit = (far.min(-1) >= t_in) & (t_in > 0)
    sign = -np.sign(np.take_along_axis(d, face[..., None], -1))
    return np.where(hit, t_in, np.inf).astype(np.float32), axes[face] * sign


def _box_window(camera: Camera, box: _Box) -> tuple[slice, slice]:
    """Image rows and columns that can see ``box`` (all of them if it is behind us)."""
    corners = np.array(np.meshgrid([-1, 1], [-1, 1], [-1, 1])).reshape(3, -1).T
    world = np.asarray(box.centre) + (corners * np.asarray(box.half)) @ _box_axes(box)
    uvz = camera.project(world)
    if (uvz[:, 2] <= 0.01).any():
        return slice(0, camera.height), slice(0, camera.width)
    x0, y0 = np.clip(np.floor(uvz[:, :2].min(0)).astype(int) - 2, 0, None)
    x1, y1 = np.ceil(uvz[:, :2].max(0)).astype(int) + 3
    return slice(y0, min(y1, camera.height)), slice(x0, min(x1, camera.width))


def _room_colour(style: SceneStyle, rng: np.random.Generator, pts: np.ndarray, wall: np.ndarray,
                 floor_y: float) -> np.ndarray:
    """Albedo of walls, floor and ceiling at world points ``pts`` (face index ``wall``)."""
    fine, coarse = _tile_noise(rng, 256, 48), _tile_noise(rng, 256, 6)
    x, y, z = pts[..., 0], pts[..., 1], pts[..., 2]
    along = np.where(wall == 0, z, x)  # horizontal coordinate on the wall plane
    if style.setting == "treadmill":
        wall_rgb, floor_rgb = (196, 192, 182), (132, 128, 122)
    else:
        wall_rgb, floor_rgb = (178, 190, 200), (176, 84, 60)
    # Wall decorations (cabinets, doors, posters, boxes) as a label map: 0 = bare wall,
    # 1 = skirting, 2 = ceiling, 3 = floor, 4.. = rectangles; -k marks a rectangle's frame.
    palette = [wall_rgb, (0.45 * np.array(wall_rgb)).tolist(), (225, 225, 225), floor_rgb]
    label = np.zeros(wall.shape, np.int16)
    label[(y - floor_y) < 0.12] = 1
    for face in (0, 2):
        for _ in range(6):
            a0, w = rng.uniform(-4.5, 3.5), rng.uniform(0.35, 1.5)
            b0 = floor_y + (rng.uniform(1.3, 1.7) if rng.random() < 0.5 else 0.0)
            h = rng.uniform(0.4, 1.3)
            palette.append(rng.uniform(50, 235, 3).tolist())
            inside = (wall == face) & (along > a0) & (along < a0 + w) & (y > b0) & (y < b0 + h)
            label[inside] = len(palette) - 1
            rim = inside & ((along < a0 + 0.025) | (along > a0 + w - 0.025)
                            | (y < b0 + 0.025) | (y > b0 + h - 0.025))
            label[rim] = -(len(palette) - 1)
    label[wall == 3] = 2
    label[wall == 1] = 3
    colours = np.asarray(palette, np.float32)
    out = colours[np.abs(label)]
    out[label < 0] *= 0.6
    level = (wall == 1) | (wall == 3)  # floor and ceiling are textured in (x, z)
    grain = np.where(level, _sample(fine, x, z, 0.5), _sample(fine, along, y, 0.6))
    blotch = np.where(level, _sample(coarse, x, z, 4.0), _sample(coarse, along, y, 5.0))
    out *= (1 + 0.06 * grain + 0.06 * blotch)[..., None]
    if style.setting == "treadmill":  # floor tile seams
        seam = (np.abs(np.mod(x, 0.6) - 0.3) > 0.295) | (np.abs(np.mod(z, 0.6) - 0.3) > 0.295)
        out[(wall == 1) & seam] *= 0.8
    else:  # white lane lines
        out[(wall == 1) & (np.abs(np.mod(z + 0.61, 1.22) - 0.61) > 0.585)] = 235.0
    return out


def _box_albedo(box: _Box, pts: np.ndarray, fine: np.ndarray) -> np.ndarray:
    col = np.asarray(box.colour, np.float32)
    if box.texture == "belt":
        streak = _sample(fine, pts[..., 0] * 0.2, pts[..., 2] * 4.0, 0.6)
        return col * (1 + 0.25 * streak)[..., None]
    if box.texture == "console":
        screen = (np.abs(pts[..., 2]) < 0.15) & (np.abs(pts[..., 1] - 1.22) < 0.04)
        return np.where(screen[..., None], np.float32([40, 90, 150]), col)
    return np.broadcast_to(col, pts.shape).astype(np.float32)


@functools.lru_cache(maxsize=4)  # about 12 MB each at 720x1280
def build_scene(camera: Camera, style: SceneStyle) -> Scene:
    """Ray-cast the static scene for ``camera`` (cached per camera and style).

    Parameters
    ----------
    camera : Camera
        The pinhole camera (its ``rotation``, ``centre_m`` and ``focal_px`` are used).
    style : SceneStyle
        Setting, console and background seed.

    Returns
    -------
    Scene
        Background image, occluder depth and a noise tile.
    """
    rng = np.random.default_rng(style.background_seed)
    origin = np.asarray(camera.position_m, np.float32)
    rays = _rays(camera)
    treadmill = style.setting == "treadmill"
    floor_y = -0.2 if treadmill else 0.0
    # A room around subject and camera: far walls about 3 m beyond the subject; an
    # overground track runs along a hall long enough that the runner never meets an
    # end wall while in view.
    reach = 1.5 if treadmill else 15.0
    lo = np.array([min(-4.0, origin[0] - reach), floor_y, min(-3.5, origin[2] - 1.5)],
                  np.float32)
    hi = np.array([max(4.0, origin[0] + reach), 2.9 if treadmill else 4.5,
                   max(3.5, origin[2] + 1.5)], np.float32)
    safe = np.where(np.abs(rays) < 1e-9, np.float32(1e-9), rays)
    t_exit = np.where(safe > 0, (hi - origin) / safe, (lo - origin) / safe)
    axis = np.argmin(t_exit, -1)  # 0: x wall, 1: floor/ceiling, 2: z wall
    t_room = np.take_along_axis(t_exit, axis[..., None], -1)[..., 0]
    wall = np.where(axis == 1, np.where(rays[..., 1] > 0, 3, 1), np.where(axis == 0, 0, 2))
    normal = -np.eye(3, dtype=np.float32)[axis] * np.sign(
        np.take_along_axis(rays, axis[..., None], -1))
    albedo = _room_colour(style, rng, origin + rays * t_room[..., None], wall, floor_y)
    depth = np.full(t_room.shape, np.inf, np.float32)
    fine = _tile_noise(rng, 256, 64)
    for box in _treadmill_boxes(style.console) if treadmill else []:
        win = _box_window(camera, box)
        t_box, n_box = _hit_box(origin, rays[win], box)
        closer = t_box < t_room[win]
        if not closer.any():
            continue
        t_room[win][closer] = t_box[closer]
        normal[win][closer] = n_box[closer]
        hit_pts = origin + rays[win][closer] * t_box[closer][:, None]
        albedo[win][closer] = _box_albedo(box, hit_pts, fine)
        if box.occludes:
            depth[win][closer] = t_box[closer]
    light = np.asarray(style.light_dir, np.float32) @ np.asarray(camera.rotation, np.float32)
    lambert = np.clip(normal @ (light / np.linalg.norm(light)), 0.0, 1.0)
    shade = 0.62 + 0.38 * lambert
    # Light falls off away from the lamp near the runner.
    shade = shade / (1 + 0.025 * np.square(t_room.clip(0, 12) - 2.0))
    img = np.clip(albedo * shade[..., None], 0, 255).astype(np.uint8)
    if style.blur_sigma_px > 0:
        img = cv2.GaussianBlur(img, (0, 0), style.blur_sigma_px)
    shape = camera.height * camera.width * 3 + NOISE_SPAN
    noise = rng.standard_normal(shape, dtype=np.float32)
    noise = np.rint(noise * np.float32(style.noise_sd), out=noise).clip(-255, 255).astype(np.int16)
    return Scene(image=img, depth=depth, noise_add=np.maximum(noise, 0).astype(np.uint8),
                 noise_sub=np.maximum(-noise, 0).astype(np.uint8))


def ground_shadows(frame: np.ndarray, camera: Camera,
                   blobs: list[tuple[np.ndarray, float]]) -> None:
    """Darken the ground under body parts with soft elliptical blobs, in place.

    Parameters
    ----------
    frame : numpy.ndarray, shape (H, W, 3), uint8
        Image to darken (before the figure is drawn over it).
    camera : Camera
        The camera of ``frame``.
    blobs : list of (numpy.ndarray, float)
        World point (m) casting the shadow and the blob radius (m); the blob lies on
        ``y = 0`` below the point and fades and widens with the point's height.
    """
    h, w = frame.shape[:2]
    ring = np.linspace(0, 2 * np.pi, 16, endpoint=False)
    polys = []
    for centre, radius in blobs:
        above = max(float(centre[1]), 0.0)
        spread = radius * (1 + 0.8 * above)
        pts = np.stack([centre[0] + 1.3 * spread * np.cos(ring), 0 * ring,
                        centre[2] + spread * np.sin(ring)], 1)
        uv = camera.project(pts)
        if (uv[:, 2] > 0.05).all():
            polys.append((uv[:, :2], 0.4 / (1 + 5 * above)))
    if not polys:
        return
    allpts = np.concatenate([p for p, _ in polys])
    x0, y0 = np.maximum(np.floor(allpts.min(0)).astype(int) - 12, 0)
    x1, y1 = np.minimum(np.ceil(allpts.max(0)).astype(int) + 13, (w, h))
    if x1 - x0 < 4 or y1 - y0 < 4:
        return
    # A quarter of the resolution is plenty for blurred blobs (shift=2: 1/4-px points).
    mask = np.zeros(((y1 - y0) // 4 + 1, (x1 - x0) // 4 + 1), np.float32)
    for uv, strength in polys:
        cv2.fillConvexPoly(mask, np.round(uv - (x0, y0)).astype(np.int32), strength,
                           lineType=cv2.LINE_AA, shift=2)
    soft = cv2.resize(cv2.GaussianBlur(mask, (0, 0), 1.0), (x1 - x0, y1 - y0))
    region = frame[y0:y1, x0:x1]
    region[:] = (region * (1 - soft)[..., None]).astype(np.uint8)

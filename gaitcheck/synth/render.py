"""Draw a synthetic runner whose joints are exactly the ground-truth landmarks.

The figure is made of shaded capsules (see :mod:`gaitcheck.synth.raster`) hung on the 33
landmarks of one :class:`~gaitcheck.synth.motion.Motion` frame, so the truth describes
what is drawn:

* limbs run joint to joint: upper arm ``shoulder`` → ``elbow``, forearm ``elbow`` →
  ``wrist``, hand ``wrist`` → midpoint of ``index`` and ``pinky`` (plus a thumb), thigh
  ``hip`` → ``knee``, shank ``knee`` → ``ankle``; each tapers from its proximal radius
  in ``BodyShape.radii_m``;
* the shoe's sole lies along the ``heel`` → ``foot_index`` line: ``heel`` is its
  back-bottom corner and ``foot_index`` its front-bottom corner (where the tangents of
  its rounded ends meet), with the upper on top around the ankle;
* the chest and pelvis have elliptical sections around the shoulder and hip midpoints
  (wide from the front, deep from the side), so each hip joint sits at mid-depth of the
  pelvis and each shoulder joint at the top of its upper arm;
* the head is built in the frame of the ears and nose: a cranium with hair, face, jaw,
  neck, a nose ending at ``nose``, ears at ``left_ear``/``right_ear``, eyes spanning
  ``*_eye_inner`` → ``*_eye_outer`` with the iris at ``*_eye``, and the mouth from
  ``mouth_left`` to ``mouth_right``; face features are drawn only when they face the
  camera.

Clothes: shirt with short sleeves, shorts to mid-thigh, socks, shoes. A frame is the
pre-rendered scene, soft ground shadows, the figure, a light blur over the figure and
sensor noise; compression comes from the video writer.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from gaitcheck.landmarks import LM
from gaitcheck.synth.anthropometry import RADII
from gaitcheck.synth.camera import Camera
from gaitcheck.synth.motion import BodyShape, Motion
from gaitcheck.synth.raster import Part, draw_capsules
from gaitcheck.synth.scene import NOISE_SPAN, Scene, SceneStyle, build_scene, ground_shadows
from gaitcheck.video._cv import cv2
from gaitcheck.video.writer import write_video

__all__ = ["SceneStyle", "render_frame", "render_frames", "render_video"]


def _unit(v: np.ndarray) -> np.ndarray:
    n = float(np.linalg.norm(v))
    return v / n if n > 1e-9 else v * 0.0


@dataclass
class _Figure:
    """Capsule ``i`` runs from ``ends[2 i]`` to ``ends[2 i + 1]`` with looks ``parts[i]``."""

    camera: Camera
    ends: list = field(default_factory=list)
    parts: list = field(default_factory=list)
    shadows: list = field(default_factory=list)
    pelvis: np.ndarray | None = None

    def add(self, p: np.ndarray, q: np.ndarray, ra: float, rb: float | None = None, *,
            colour: np.ndarray, colour2: np.ndarray | None = None, split: float = 1.0,
            switch: tuple[np.ndarray, float, np.ndarray] | None = None, flat: bool = False,
            shine: float = 0.05, bias: float = 0.0, depth_scale: float = 1.0) -> None:
        """Add a capsule of radius ``ra``→``rb`` (m); ``colour2`` beyond ``split`` along
        it; ``switch`` = (world direction, threshold, colour) recolours pixels whose
        surface normal points along the direction (hair); ``flat`` is unlit; ``bias``
        (m) pulls a decal in front of the surface it lies on."""
        self.ends += [p, q]
        if switch is not None:  # hashable and in the camera frame, for shade_table
            switch = (tuple(np.asarray(self.camera.rotation) @ switch[0]), float(switch[1]),
                      tuple(float(v) for v in switch[2]))
        self.parts.append(Part(ra, ra if rb is None else rb, colour,
                                colour if colour2 is None else colour2, split, switch, flat,
                                shine, bias, depth_scale))

    def slab(self, p: np.ndarray, q: np.ndarray, lateral: np.ndarray,
             ends_ab: tuple[tuple[float, float], tuple[float, float]], **looks) -> None:
        """Add a capsule with an elliptical section: half-width ``A`` along ``lateral``
        and half-depth ``B`` across it, ``ends_ab = ((A_p, B_p), (A_q, B_q))`` in m.

        It is drawn as a round capsule whose radius is the ellipse's extent across the
        line of sight and whose depth is scaled to the extent along it.
        """
        axis = _unit(q - p)
        view = _unit(np.asarray(self.camera.position_m) - (p + q) / 2)
        e_lat = _unit(lateral - (lateral @ axis) * axis)
        e_dep = np.cross(axis, e_lat)
        across = np.cross(axis, view)
        across = e_lat if np.linalg.norm(across) < 1e-6 else _unit(across)
        along = _unit(view - (view @ axis) * axis)

        def extent(a: float, b: float, d: np.ndarray) -> float:
            return float(np.hypot(a * (e_lat @ d), b * (e_dep @ d)))

        ra, rb = extent(*ends_ab[0], across), extent(*ends_ab[1], across)
        (a0, b0), (a1, b1) = ends_ab
        mean = ((a0 + a1) / 2, (b0 + b1) / 2)
        self.add(p, q, ra, rb, depth_scale=extent(*mean, along) / extent(*mean, across),
                 **looks)

    def facing(self, point: np.ndarray, centre: np.ndarray, margin: float = 0.0) -> bool:
        """Whether ``point`` on a head centred at ``centre`` faces the camera."""
        view = _unit(np.asarray(self.camera.position_m) - point)
        return float(_unit(point - centre) @ view) > margin


def _build_figure(p: np.ndarray, body: BodyShape, style: SceneStyle,
                  camera: Camera) -> _Figure:
    k = body.height_m / 1.75
    rad = {name: float(body.radii_m.get(name, f * body.height_m)) for name, f in RADII.items()}
    c = {n: np.asarray(getattr(style, n), np.float32)
         for n in ("skin", "shirt", "shorts", "hair", "shoe", "sole", "sock")}
    fig = _Figure(camera)
    lm = {name: p[i] for name, i in LM.items()}
    mid_sh = (lm["left_shoulder"] + lm["right_shoulder"]) / 2
    mid_hip = (lm["left_hip"] + lm["right_hip"]) / 2
    trunk = mid_sh - mid_hip
    up_t = _unit(trunk)
    fig.pelvis = mid_hip  # the reference depth for dimming the far side
    # Trunk: elliptical chest and pelvis, wide from the front and deep from the side; the
    # shoulder bar squares the top. Hip joints lie inside the pelvis, on its mid-depth.
    sh_half = float(np.linalg.norm(lm["left_shoulder"] - lm["right_shoulder"])) / 2
    hip_half = float(np.linalg.norm(lm["left_hip"] - lm["right_hip"])) / 2
    fig.slab(mid_hip + 0.42 * trunk, mid_sh - 0.1 * k * up_t,
             lm["left_shoulder"] - lm["right_shoulder"],
             ((0.85 * sh_half, 0.95 * rad["torso"]), (0.95 * sh_half, rad["torso"])),
             colour=c["shirt"])
    fig.slab(mid_hip, mid_hip + 0.45 * trunk, lm["left_hip"] - lm["right_hip"],
             ((hip_half + 0.08 * k, rad["pelvis"]), (0.8 * sh_half, 0.95 * rad["pelvis"])),
             colour=c["shorts"], colour2=c["shirt"], split=0.6)
    fig.add(lm["left_shoulder"] + 0.15 * (lm["right_shoulder"] - lm["left_shoulder"]),
            lm["right_shoulder"] + 0.15 * (lm["left_shoulder"] - lm["right_shoulder"]),
            rad["shoulder"], colour=c["shirt"])
    for s in ("left", "right"):
        sh, el, wr = lm[f"{s}_shoulder"], lm[f"{s}_elbow"], lm[f"{s}_wrist"]
        fig.add(sh, el, rad["upper_arm"], 0.8 * rad["upper_arm"], colour=c["shirt"],
                colour2=c["skin"], split=0.35)
        fig.add(el, wr, rad["forearm"], 0.78 * rad["forearm"], colour=c["skin"], shine=0.12)
        knuckles = (lm[f"{s}_index"] + lm[f"{s}_pinky"]) / 2
        fig.add(wr, knuckles, rad["hand"], 1.05 * rad["hand"], colour=c["skin"], shine=0.12)
        fig.add(wr + 0.3 * (lm[f"{s}_thumb"] - wr), lm[f"{s}_thumb"], 0.4 * rad["hand"],
                colour=c["skin"], shine=0.12)
        hip, knee, ank = lm[f"{s}_hip"], lm[f"{s}_knee"], lm[f"{s}_ankle"]
        heel, toe = lm[f"{s}_heel"], lm[f"{s}_foot_index"]
        fig.add(hip, knee, rad["thigh"], 0.72 * rad["thigh"], colour=c["shorts"],
                colour2=c["skin"], split=0.42, shine=0.1)
        fig.add(knee, ank, rad["shank"], 0.62 * rad["shank"], colour=c["skin"],
                colour2=c["sock"], split=0.84, shine=0.12)
        fwd = _unit(toe - heel)
        back = -_unit(fwd - up_t * 0 - (fwd @ _unit(ank - knee)) * _unit(ank - knee))
        fig.add(knee + 0.12 * (ank - knee) + 0.018 * k * back,
                knee + 0.55 * (ank - knee) + 0.012 * k * back, 0.9 * rad["shank"],
                0.7 * rad["shank"], colour=c["skin"], shine=0.12)
        # Shoe: the sole's bottom is tangent to the heel → foot_index line, its back
        # tangent at ``heel`` and its front at ``foot_index``; the upper sits on it.
        foot_up = _unit((ank - heel) - ((ank - heel) @ fwd) * fwd)
        rsh, rst = 0.29 * rad["foot"], 0.21 * rad["foot"]
        rh, rt = 0.85 * rad["foot"], 0.5 * rad["foot"]
        fig.add(heel + rsh * (fwd + foot_up), toe + rst * (foot_up - fwd), rsh, rst,
                colour=c["sole"], shine=0.1)
        fig.add(heel + rh * fwd + (2 * rsh + 0.55 * rh) * foot_up,
                toe - (rt + 0.3 * rad["foot"]) * fwd + (2 * rst + 0.4 * rt) * foot_up, rh, rt,
                colour=c["shoe"], shine=0.2)
        fig.shadows += [(heel, 0.07 * k), (toe, 0.06 * k)]
    fig.shadows.append((mid_hip, 0.16 * k))
    _add_head(fig, lm, mid_sh, rad["head"], rad["neck"], k, c)
    return fig


def _add_head(fig: _Figure, lm: dict, mid_sh: np.ndarray, radius: float, neck: float,
              k: float, c: dict) -> None:
    """Cranium with hair, jaw, neck, nose, ears, eyes, brows and mouth."""
    ear_mid = (lm["left_ear"] + lm["right_ear"]) / 2
    lat = _unit(lm["left_ear"] - lm["right_ear"])
    fwd = _unit((lm["nose"] - ear_mid) - ((lm["nose"] - ear_mid) @ lat) * lat)
    up = _unit(np.cross(lat, fwd))
    if up @ (ear_mid - mid_sh) < 0:  # handedness-free: up points away from the shoulders
        up = -up
    # Cranium: a capsule along the face direction, 19 cm long and 16 cm wide at 1.75 m,
    # whose surface passes near the eyes; the jaw sphere carries nose and mouth.
    r_skull = 0.85 * radius
    centre = ear_mid + 0.045 * k * up
    fig.add(centre - 0.015 * k * fwd, centre + 0.015 * k * fwd, r_skull, colour=c["skin"],
            shine=0.1, switch=(_unit(0.6 * up - 0.8 * fwd), -0.15, c["hair"]))
    face = ear_mid + 0.05 * k * fwd - 0.015 * k * up
    fig.add(face, face, 0.55 * radius, colour=c["skin"], shine=0.1)
    fig.add(ear_mid + 0.01 * k * fwd - 0.035 * k * up, ear_mid + k * (0.06 * fwd - 0.07 * up),
            0.45 * radius, 0.42 * radius, colour=c["skin"], shine=0.1)
    fig.add(mid_sh - 0.02 * k * up, ear_mid - 0.03 * k * up + 0.01 * k * fwd, neck,
            colour=c["skin"])
    nose = lm["nose"]
    fig.add(nose - 0.035 * k * fwd + 0.03 * k * up, nose, 0.011 * k, 0.012 * k,
            colour=c["skin"], shine=0.15)
    for s in ("left", "right"):
        ear = lm[f"{s}_ear"]
        if fig.facing(ear, centre, -0.3):
            fig.add(ear - 0.02 * k * up, ear + 0.018 * k * up, 0.011 * k,
                    colour=0.85 * c["skin"], bias=0.012)
        eye, inner, outer = lm[f"{s}_eye"], lm[f"{s}_eye_inner"], lm[f"{s}_eye_outer"]
        if fig.facing(eye, centre):
            fig.add(inner, outer, 0.0065 * k, colour=np.float32([236, 232, 226]), flat=True,
                    bias=0.04)
            fig.add(eye, eye, 0.0052 * k, colour=np.float32([52, 36, 30]), flat=True,
                    bias=0.045)
            fig.add(inner + 0.018 * k * up, outer + 0.015 * k * up, 0.0035 * k,
                    colour=0.8 * c["hair"], flat=True, bias=0.04)
    if fig.facing((lm["mouth_left"] + lm["mouth_right"]) / 2, centre):
        fig.add(lm["mouth_left"], lm["mouth_right"], 0.0045 * k,
                colour=np.float32([150, 72, 70]), flat=True, bias=0.04)


def render_frame(points: np.ndarray, body: BodyShape, camera: Camera, style: SceneStyle,
                 rng: np.random.Generator, *, scene: Scene | None = None) -> np.ndarray:
    """Render one frame of the runner.

    Parameters
    ----------
    points : numpy.ndarray, shape (33, 3)
        World landmark positions, metres (one frame of :attr:`Motion.points`).
    body : BodyShape
        Height and segment radii; a missing radius is the fraction of height in
        :data:`gaitcheck.synth.anthropometry.RADII`.
    camera : Camera
        Pinhole camera.
    style : SceneStyle
        Scene, clothing, blur and noise settings.
    rng : numpy.random.Generator
        Source of the frame's sensor noise (the only random part of a frame).
    scene : Scene, optional
        Pre-built background for this camera and style; built (and cached) if omitted.

    Returns
    -------
    numpy.ndarray, shape (H, W, 3), uint8
        The RGB image.
    """
    scene = scene or build_scene(camera, style)
    frame = scene.image.copy()
    fig = _build_figure(np.asarray(points, np.float64), body, style, camera)
    if style.shadows:
        ground_shadows(frame, camera, fig.shadows)
    x0, y0, x1, y1 = draw_capsules(frame, scene.depth, camera, np.asarray(fig.ends), fig.parts,
                                   style.light_dir, style.far_dim,
                                   float(camera.project(fig.pelvis)[2]))
    if style.blur_sigma_px > 0 and x1 > x0 and y1 > y0:
        # The background was blurred once when built; only the figure needs it here.
        x0, y0 = max(x0 - 4, 0), max(y0 - 4, 0)
        x1, y1 = min(x1 + 4, frame.shape[1]), min(y1 + 4, frame.shape[0])
        frame[y0:y1, x0:x1] = cv2.GaussianBlur(frame[y0:y1, x0:x1], (0, 0), style.blur_sigma_px)
    if style.noise_sd > 0:
        k = int(rng.integers(0, NOISE_SPAN + 1))
        window = np.s_[k:k + frame.size]
        cv2.add(frame, scene.noise_add[window].reshape(frame.shape), dst=frame)
        cv2.subtract(frame, scene.noise_sub[window].reshape(frame.shape), dst=frame)
    return frame


def render_frames(motion: Motion, camera: Camera, style: SceneStyle | None = None,
                  seed: int = 0) -> Iterator[np.ndarray]:
    """Yield the rendered RGB frames of ``motion`` one by one (see :func:`render_frame`)."""
    style = style or SceneStyle()
    scene = build_scene(camera, style)
    rng = np.random.default_rng(seed)
    for pts in motion.points:
        yield render_frame(pts, motion.body, camera, style, rng, scene=scene)


def render_video(motion: Motion, camera: Camera, path: Path, style: SceneStyle | None = None,
                 seed: int = 0, crf: int = 23) -> Path:
    """Render ``motion`` through ``camera`` to an H.264 mp4 at the camera's fps.

    Parameters
    ----------
    motion : Motion
        The runner's true motion; one video frame per sample.
    camera : Camera
        Pinhole camera (size and fps of the video).
    path : Path
        Destination mp4, written atomically.
    style : SceneStyle, optional
        Defaults to ``SceneStyle()`` (treadmill with console).
    seed : int
        Seed of the per-frame noise; the same seed gives the same frames.
    crf : int
        x264 quality (lower is better and bigger).

    Returns
    -------
    Path
        ``path``.
    """
    return write_video(path, render_frames(motion, camera, style, seed), camera.fps, crf=crf)

"""Synthetic runner: the generated motion meets every parameter exactly, and its
landmark tracks have the pose backend's format.

Measured values use the shared metric formulas (:mod:`gaitcheck.metrics.formulas`),
evaluated on the true landmarks at the exact event times (``GaitModel.points``), so the
tolerances below are the brief's and the errors are at rounding level.
"""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest

from gaitcheck.landmarks import LM, MIRROR
from gaitcheck.metrics import formulas as d
from gaitcheck.synth.artefacts import LEG_PARTS, Artefacts
from gaitcheck.synth.camera import VIEWS, camera_for_view
from gaitcheck.synth.kinematics import build_model, generate_motion, landmarks_at
from gaitcheck.synth.params import GaitParams
from gaitcheck.synth.to_tracks import motion_to_tracks
from helpers import synthetic_tracks


def mid(p: np.ndarray, a: str, b: str) -> np.ndarray:
    return 0.5 * (p[..., LM[a], :] + p[..., LM[b], :])


def sag(p: np.ndarray) -> np.ndarray:
    return p[..., :2]


def at_ic(model, params: GaitParams):
    """Contacts of the clip and the landmarks (K, 33, 3) at their exact IC times."""
    contacts = model.contacts(0.0, params.duration_s)
    return contacts, model.points(np.array([c.ic_s for c in contacts]))


# Parameters ---------------------------------------------------------------------------
def test_params_defaults_json_round_trip_and_validation():
    p = GaitParams(activity="walk", strike="midfoot")
    assert (p.cadence_spm, p.speed_mps, p.trunk_lean_deg) == (110.0, 1.3, 3.0)
    assert p.foot_strike_angle_deg == 3.0 and p.duty_factor == 0.62
    data = json.loads(json.dumps(p.to_dict()))
    assert GaitParams.from_dict(data) == p
    run = GaitParams()
    assert run.contact_time_s == pytest.approx(0.250) and run.strike == "rearfoot"
    assert GaitParams(foot_strike_angle_deg=-5).strike == "forefoot"
    for bad, match in [({"activity": "jog"}, "activity"),
                       ({"contact_time_ms": 250, "duty_factor": 0.3}, "not both"),
                       ({"contact_time_ms": 400}, "flight"),
                       ({"activity": "walk", "duty_factor": 0.45}, "double support"),
                       ({"strike": "forefoot", "foot_strike_angle_deg": 10}, "rearfoot"),
                       ({"cadence_spm": float("nan")}, "cadence_spm"),
                       ({"seed": 1.5}, "seed"),
                       ({"proportions": {"neck": 0.1}}, "unknown proportions")]:
        with pytest.raises(ValueError, match=match):
            GaitParams(**bad)
    with pytest.raises(ValueError, match="unknown gait parameters"):
        GaitParams.from_dict({"cadence": 170})


def test_infeasible_parameters_explain_themselves():
    with pytest.raises(ValueError, match="overstride"):
        build_model(GaitParams(overstride_pct=-10, contact_time_ms=330))
    with pytest.raises(ValueError, match="out of reach"):
        build_model(GaitParams(arm_crossover=0.9))


# Determinism --------------------------------------------------------------------------
def test_deterministic_for_a_seed_and_seeds_differ_with_variability():
    p = GaitParams(duration_s=3.0, step_time_cv=0.03, angle_sd_deg=2.0, seed=7)
    a, b = generate_motion(p), generate_motion(p)
    assert np.array_equal(a.points, b.points) and a.contacts == b.contacts
    c = generate_motion(p.replace(seed=8))
    assert not np.allclose(a.points, c.points)
    plain = GaitParams(duration_s=3.0)
    assert np.array_equal(generate_motion(plain).points,
                          generate_motion(plain.replace(seed=8)).points)


# Timing -------------------------------------------------------------------------------
@pytest.mark.parametrize("activity", ["run", "walk"])
def test_cadence_contact_time_alternation_flight(activity):
    p = GaitParams(activity=activity, cadence_spm=163.0 if activity == "run" else 104.0,
                   contact_time_ms=262.0 if activity == "run" else 720.0, start_phase=0.37)
    m = generate_motion(p)
    ic = np.array([c.ic_s for c in m.contacts])
    to = np.array([c.to_s for c in m.contacts])
    assert abs(d.cadence_spm(ic) - p.cadence_spm) < 0.1
    assert np.abs(1000 * (to - ic) - p.contact_time_ms).max() < 1e-6
    sides = [c.side for c in m.contacts]
    assert all(a != b for a, b in itertools.pairwise(sides))
    assert ic[0] >= 0.0 and ic[-1] <= m.time_s[-1] and ic[0] < 60.0 / p.cadence_spm
    if activity == "run":
        assert np.all(to[:-1] < ic[1:])  # flight: no overlap of stances
    else:
        assert np.all(to[:-1] > ic[1:])  # double support


# Posture and events -------------------------------------------------------------------
def test_trunk_lean_and_head_forward_exact_in_every_frame():
    p = GaitParams(trunk_lean_deg=11.5, head_forward_deg=22.0, duration_s=2.0, fps=120.0)
    pts = generate_motion(p).points
    hip, sh = mid(pts, "left_hip", "right_hip"), mid(pts, "left_shoulder", "right_shoulder")
    ear = mid(pts, "left_ear", "right_ear")
    assert np.abs(d.trunk_lean_deg(sag(hip), sag(sh)) - 11.5).max() < 0.1
    assert np.abs(d.head_forward_deg(sag(sh), sag(ear)) - 22.0).max() < 0.1
    assert np.abs(d.trunk_lean_deg(hip[:, [2, 1]], sh[:, [2, 1]])).max() < 1e-9  # no side lean


@pytest.mark.parametrize(("activity", "strike", "knee", "overstride"), [
    ("run", "rearfoot", 15.0, 18.0), ("run", "midfoot", 20.0, 12.0),
    ("run", "forefoot", 24.0, 16.0), ("walk", "rearfoot", 5.0, 30.0)])
def test_foot_angle_knee_overstride_oscillation_at_ic(activity, strike, knee, overstride):
    p = GaitParams(activity=activity, strike=strike, knee_flexion_ic_deg=knee,
                   overstride_pct=overstride, setting="overground", duration_s=4.0)
    model = build_model(p)
    contacts, pts = at_ic(model, p)
    leg = model.body.thigh + model.body.shank
    for c, q in zip(contacts, pts, strict=True):
        s = c.side
        foot = d.foot_angle_deg(sag(q[LM[f"{s}_heel"]]), sag(q[LM[f"{s}_foot_index"]]))
        assert abs(foot - p.foot_strike_angle_deg) < 0.1 and c.strike == strike
        assert c.foot_angle_deg == pytest.approx(p.foot_strike_angle_deg)
        assert abs(d.joint_flexion_deg(q[LM[f"{s}_hip"]], q[LM[f"{s}_knee"]],
                                       q[LM[f"{s}_ankle"]]) - knee) < 0.5
        assert d.leg_length(q[LM[f"{s}_hip"]], q[LM[f"{s}_knee"]],
                            q[LM[f"{s}_ankle"]]) == pytest.approx(leg)
        over = d.overstride_pct(q[LM[f"{s}_heel"], 0], mid(q, "left_hip", "right_hip")[0], leg)
        assert abs(over - overstride) < 0.5
        # Initial contact: the lowest point of the foot touches the ground.
        assert min(q[LM[f"{s}_heel"], 1], q[LM[f"{s}_foot_index"], 1]) == pytest.approx(
            0.0, abs=1e-9)
    # Vertical oscillation, per step, sampled at 2 kHz.
    t = np.arange(contacts[1].ic_s, contacts[-1].ic_s, 1 / 2000)
    hip_up = mid(model.points(t), "left_hip", "right_hip")[:, 1]
    for a, b in itertools.pairwise(contacts[1:]):
        step = hip_up[(t >= a.ic_s) & (t < b.ic_s)]
        assert abs(d.vertical_oscillation(step) - p.vertical_oscillation_cm / 100) < 0.002
    # Running is lowest at mid-stance, walking highest.
    first = hip_up[(t >= contacts[1].ic_s) & (t < contacts[2].ic_s)]
    extreme = np.argmin(first) if activity == "run" else np.argmax(first)
    assert abs(contacts[1].ic_s + extreme / 2000 - (contacts[1].ic_s + contacts[1].to_s) / 2
               ) < 2e-3


def test_asymmetries_are_signed_symmetry_indices():
    p = GaitParams(asym_contact_time_pct=8.0, asym_knee_flexion_pct=-12.0,
                   asym_step_length_pct=6.0, setting="overground", duration_s=4.0)
    model = build_model(p)
    contacts, pts = at_ic(model, p)
    val = {"contact": {}, "knee": {}, "step": {}}
    for i, (c, q) in enumerate(zip(contacts, pts, strict=True)):
        s = c.side
        val["contact"].setdefault(s, []).append(c.to_s - c.ic_s)
        val["knee"].setdefault(s, []).append(d.joint_flexion_deg(
            q[LM[f"{s}_hip"]], q[LM[f"{s}_knee"]], q[LM[f"{s}_ankle"]]))
        if i:  # step length: heel to the previous contact's heel, at IC
            other = contacts[i - 1].side
            val["step"].setdefault(s, []).append(
                q[LM[f"{s}_heel"], 0] - pts[i - 1][LM[f"{other}_heel"], 0])
    for key, want in (("contact", 8.0), ("knee", -12.0), ("step", 6.0)):
        left, right = np.mean(val[key]["left"]), np.mean(val[key]["right"])
        signed = np.sign(right - left) * d.symmetry_index_pct(left, right)
        assert signed == pytest.approx(want, abs=1e-6), key
    assert np.mean(val["knee"]["left"] + val["knee"]["right"]) == pytest.approx(15.0)


# Feet ---------------------------------------------------------------------------------
@pytest.mark.parametrize("setting", ["treadmill", "overground"])
def test_stance_foot_on_ground_moving_at_belt_speed_and_swing_clears(setting):
    p = GaitParams(setting=setting, strike="forefoot", duration_s=3.0)
    model = build_model(p)
    dt = 1e-3
    t = np.arange(0.0, 3.0, dt)
    pts = model.points(t)
    belt = -p.speed_mps if setting == "treadmill" else 0.0
    for side in ("left", "right"):
        heel, toe = pts[:, LM[f"{side}_heel"]], pts[:, LM[f"{side}_foot_index"]]
        low = np.minimum(heel[:, 1], toe[:, 1])
        assert low.min() > -1e-9  # never below the ground
        stance = np.zeros(len(t), bool)
        for c in model.contacts(-1.0, 3.0):
            if c.side == side:
                stance |= (t >= c.ic_s) & (t < c.to_s)
        assert np.abs(low[stance]).max() < 1e-9  # on the ground throughout stance
        # Swing clears the ground (except within 40 ms of toe-off and contact).
        near = np.convolve(stance, np.ones(81), mode="same") > 0
        assert low[~near].min() > 0.01
        for point in (heel, toe):  # the contact point moves at belt speed
            grounded = (point[:, 1] < 1e-9) & stance
            pair = grounded[:-1] & grounded[1:]
            speed = np.diff(point[:, 0])[pair] / dt
            assert pair.sum() > 50
            assert np.abs(speed - belt).max() <= 0.02 * p.speed_mps
    if setting == "treadmill":
        assert np.abs(mid(pts, "left_hip", "right_hip")[:, 0]).max() < 1e-12


# Arms ---------------------------------------------------------------------------------
@pytest.mark.parametrize("crossover", [0.12, 0.0, -0.1, None])
def test_arm_crossover(crossover):
    p = GaitParams(arm_crossover=crossover, duration_s=2.0)
    t = np.arange(0.0, 2.0, 1e-3)
    pts = build_model(p).points(t)
    centre = 0.5 * (mid(pts, "left_shoulder", "right_shoulder") + mid(pts, "left_hip",
                                                                       "right_hip"))
    width = np.linalg.norm(pts[:, LM["left_shoulder"]] - pts[:, LM["right_shoulder"]], axis=-1)
    for side in ("left", "right"):
        frac = d.crossover_fraction(pts[:, LM[f"{side}_wrist"], 2], centre[:, 2], width, side)
        if crossover is None:
            assert frac.max() < -0.05
        elif crossover == 0.0:
            assert frac.max() <= 0.0  # reaches the midline, never crosses
            assert frac.max() > -1e-4
        else:
            assert frac.max() == pytest.approx(crossover, abs=1e-4)


# Projection and tracks ----------------------------------------------------------------
def test_projection_and_track_format():
    cam = camera_for_view("side-left", width=720, height=1280)
    # Side views aim 0.085 × height behind the hips, at 0.55 × height above the ground.
    target = np.array([-0.085 * 1.75, 0.55 * 1.75, 0.0])
    assert np.allclose(cam.project(target)[:2], [360.0, 640.0])
    p = GaitParams(duration_s=1.0)
    motion = generate_motion(p)
    tracks = motion_to_tracks(motion, cam)
    assert tracks.image.shape == (30, 33, 5) and tracks.image.dtype == np.float32
    assert tracks.world.dtype == np.float32 and tracks.frame_index.tolist() == list(range(30))
    assert np.allclose(tracks.xy_px(), cam.project(motion.points)[..., :2], atol=1e-3)
    assert np.allclose(tracks.image[..., 4], 1.0)
    hip_w = mid(tracks.world, "left_hip", "right_hip")
    assert np.abs(hip_w).max() < 1e-6
    assert np.abs(mid(tracks.image[..., 2:3], "left_hip", "right_hip")).max() < 1e-6
    # Side-left: the left (near) side is nearer the camera: negative z, higher visibility.
    near, far = LM["left_shoulder"], LM["right_shoulder"]
    assert np.all(tracks.image[:, near, 2] < 0) and np.all(tracks.world[:, near, 2] < 0)
    assert np.all(tracks.image[:, near, 3] > 0.95) and np.all(tracks.image[:, far, 3] < 0.6)
    world_len = np.linalg.norm(tracks.world[:, LM["left_knee"]] - tracks.world[:, LM["left_hip"]],
                               axis=-1)
    assert np.allclose(world_len, build_model(p).body.thigh, atol=1e-5)
    assert tracks.video.path == "synthetic:run-side-left" and tracks.video.codec == "synthetic"
    assert tracks.video.frame_count == 30 and tracks.fps == pytest.approx(30.0)
    assert tracks.source["backend"] == "synthetic" and tracks.source["params"] == motion.params
    # The truth can be re-evaluated exactly at any time from the recorded parameters.
    assert np.array_equal(landmarks_at(motion.params, motion.time_s[:5]), motion.points[:5])


@pytest.mark.parametrize("view", VIEWS)
def test_every_view_in_frame_and_facing(view):
    # fill=0.6: at the default 0.7 the swing foot kicking towards a back-view camera
    # dips 0.3 % below the bottom edge.
    _, tracks = synthetic_tracks(view, duration_s=2.0)
    xy = tracks.image[..., :2]
    assert np.all((xy > 0) & (xy < 1))
    nose_x = tracks.image[:, LM["nose"], 0]
    hip_x = mid(tracks.image, "left_hip", "right_hip")[:, 0]
    left_minus_right = tracks.image[:, LM["left_hip"], 0] - tracks.image[:, LM["right_hip"], 0]
    if view == "side-left":
        assert np.all(nose_x < hip_x)
    elif view == "side-right":
        assert np.all(nose_x > hip_x)
    elif view == "front":
        assert np.all(left_minus_right > 0)
    elif view == "back":
        assert np.all(left_minus_right < 0)
    if view in ("side-left", "side-right"):  # far-side limbs are less visible
        vis = tracks.image[..., 3].mean(axis=0)
        near = "left" if view == "side-left" else "right"
        for part in ("hip", "knee", "elbow"):
            i = LM[f"{near}_{part}"]
            assert vis[i] > vis[MIRROR[i]] + 0.05


# Artefacts ----------------------------------------------------------------------------
def test_artefacts_none_realistic_and_swaps():
    motion = generate_motion(GaitParams(duration_s=6.0))
    cam = camera_for_view("side-left")
    clean = motion_to_tracks(motion, cam)
    same = motion_to_tracks(motion, cam, Artefacts.none(), seed=3)
    assert np.array_equal(same.image, clean.image) and np.array_equal(same.world, clean.world)
    real = motion_to_tracks(motion, cam, Artefacts.realistic(), seed=3)
    again = motion_to_tracks(motion, cam, Artefacts.realistic(), seed=3)
    other = motion_to_tracks(motion, cam, Artefacts.realistic(), seed=4)
    assert np.array_equal(real.image, again.image, equal_nan=True)
    assert not np.array_equal(real.image, other.image, equal_nan=True)
    applied = real.source["artefacts"]["applied"]
    dropped = ~real.detected
    assert dropped.sum() == round(0.02 * clean.n_frames) == len(applied["dropped_frames"])
    assert np.all(np.isnan(real.world[dropped]))
    ok = real.detected
    err = np.abs(real.image[ok, :, :2] - clean.image[ok, :, :2]) * [720, 1280]
    assert 1.0 < np.nanmedian(err) < 20.0
    assert len(applied["swaps"]) == 3 and len(applied["far_foot"]) == 4
    assert json.dumps(real.source["artefacts"])
    swapped = motion_to_tracks(motion, cam, Artefacts(swap_count=2, swap_frames=(4, 4)), seed=5)
    spans = swapped.source["artefacts"]["applied"]["swaps"]
    assert len(spans) == 2 and all(b - a == 4 for a, b in spans)
    in_swap = np.zeros(clean.n_frames, bool)
    for a, b in spans:
        in_swap[a:b] = True
    for part in LEG_PARTS:
        i, j = LM[f"left_{part}"], LM[f"right_{part}"]
        assert np.array_equal(swapped.image[in_swap, i], clean.image[in_swap, j])
        assert np.array_equal(swapped.world[in_swap, j], clean.world[in_swap, i])
    assert np.array_equal(swapped.image[~in_swap], clean.image[~in_swap])
    far = motion_to_tracks(motion, cam, Artefacts(far_foot_count=2, far_foot_pull=1.0), seed=1)
    a, b, side = far.source["artefacts"]["applied"]["far_foot"][0]
    assert side == "right"  # the far foot in a side-left view
    assert np.allclose(far.image[a:b, LM["right_heel"], :2], clean.image[a:b, LM["left_heel"], :2])

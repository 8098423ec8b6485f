"""Why a CRF 35 re-encode moves foot angle, overstride and knee at IC (issue 14).

Reads a consistency cache (``benchmarks/consistency.py``; no pose run) and compares the
original clip with its CRF 35 re-encode, per hand-labelled contact of the real treadmill
clip and against the rendered runner's truth:

1. detected ICs of both copies against the labels (bias, within ±1 frame) and per foot
   the shift of the direct cue, of the Zeni anchor (heel most forward) and of the final
   IC (``gaitcheck.events.stances``);
2. the foot landmarks around the labelled contacts: heel, foot_index and ankle height
   and the heel → foot_index angle of each copy at the same frames, raw and cleaned;
3. a landmarks × events decomposition: each copy's landmarks analysed with either
   copy's events, and every event moved by ±0.25…1 frame (sensitivity);
4. the rendered 60 fps runner: IC against truth and the same decomposition for the knee;
5. its cleaned knee at the true contacts with the leg-collapse repair off and on.

Usage::

    python benchmarks/compression_ic.py [--cache DIR]  # a consistency.py cache
        [--video ../shared/videos/treadmill_side_30fps.mp4]
        [--labels ../shared/videos/treadmill_side_30fps.truth.json]

Findings (cache made on 2026-12-02 with x264 core 165 / ffmpeg 9.0.2 from
imageio-ffmpeg 0.8.1; the cache of the stop before, where the row passed, was encoded by
another build; 33 paired contacts):

* **Which copy is right about IC: the original.** Against the 34 labels, the original's
  ICs are +0.28 frame late (33/34 within ±1), the CRF 35 copy's +0.81 (21/34 within ±1):
  +0.53 frame later per contact (SD 0.39; −0.43…+1.33), on both feet (near +0.56, far
  +0.50). The Zeni anchors do not move (near −0.02, far +0.11 frame); the near foot's
  direct (vertical heel) cue moves +0.47 frame, and with it the near foot's anchor-to-IC
  lag (+1.41 → +2.05 frames). The far foot (visibility 0.77 → 0.71, below the 0.75 at
  which its cues get any weight) is anchor + lag only, the lag borrowed from both feet:
  its own direct cue moved 0.7 frame *earlier*, yet its IC moves +0.50 with the near
  foot's lag.
* **Cause: the pose model reads the landing foot flatter on the CRF 35 pixels**, only
  in the frames of the fast landing rotation (5–10° per frame, heavy motion blur, which
  x264 at CRF 35 quantises coarsely). At the same frames, label −1…+1, the near foot's
  heel sits 2–4 px higher and its foot_index 7–10 px lower (heel → foot_index angle
  −4.7, −6.5, −6.3°; within 1.2° of the original from label −6 to −2 and +2 on); the
  far foot (behind the treadmill console) reads 3–8° flatter from label −2 through
  stance. The later heel landing is what delays the vertical IC cue. Raw and cleaned
  landmarks give the same angles within 0.6°: the cleaning (``gaitcheck.tracks``, a
  12 Hz zero-lag low-pass at 30 fps) neither causes nor hides it, and the event
  detector works on the raw tracks anyway.
* **Not the cue's sub-frame logic.** Landing estimates continuous in the samples (the
  band crossing interpolated between frames, or half the band) keep the +0.56 / +0.59
  frame shift: the heel data itself lands later.
* **Decomposition** (foot angle at IC °, overstride % leg, knee at IC °; original →
  CRF 35 total −10.2, −7.0, +2.0): the CRF 35 events on the original landmarks give
  −4.4, −4.8, +2.9; the CRF 35 landmarks with the original events −4.6, −2.0, +0.4. The
  landmark part of the foot angle alone exceeds the ±3° target, so no event or reading
  change downstream makes this row pass.
* **Sensitivity to the IC time on this clip** (original landmarks, every IC moved by
  +0.5 frame = 17 ms): foot angle −3.9° (−4.7° on the CRF 35 landmarks), overstride
  −4.3 % leg (−5.5), knee +3.4° (+1.3); by −0.5 frame: +2.6°, +4.6 %, −2.9°. The foot
  rotates 5–10° per frame and the heel moves ~9 % leg per frame relative to the hip
  around contact, so the ±3° / ±4 % targets need ICs repeatable to about ±0.35 frame at
  30 fps. A peak-angle reading (largest angle over the 2 frames before IC) still moves
  −4.7°.
* **Rendered 60 fps runner** (knee at IC −3.28°): the ICs barely move (bias against
  truth −0.73 → −0.92 frame at 60 fps); the knee change is the landmarks' (CRF 35
  landmarks with the original events: −4.4°; CRF 35 events on the original landmarks:
  +1.1°). At 6 of the 9 near-foot contacts the model collapses both lower legs towards
  each other for 1–3 frames (an ankle more than 40 px from both true ankles; 80–160 px
  at the worst frames, visibility still 0.9–1.0); the swap repair exchanges them (11
  repairs vs 0 on the original), the Hampel test (a rolling median, blind on a foot
  moving 15 px a frame) keeps most of them, and the near knee at IC reads 0.4–37° per
  contact (truth 15–17°; the original 17–19°). The original reads the knee +3…4° high on
  every contact (19.2 vs truth 15), so the CRF 35 mean (15.9) is closer to truth by
  accident of scattered errors.
* **Leg collapse repair** (section 5; ``CleaningSettings.leg_collapse``,
  :mod:`gaitcheck.tracks.collapse`, off by default): knee flexion of the cleaned
  landmarks at the 16 true contacts minus the truth's, CRF 35: mean |error| 5.04 →
  3.23°, near foot 7.32 → 3.70°, worst 15.9 → 10.1° (near contacts at frames 42, 169,
  212, 296: −5.6/−7.7/−10.3/−15.9 → +3.6/+0.7/+4.0/−2.1°; 127 and 339 missed,
  −6.7/−10.1°: one leg stays within the threshold there); the original render is
  unchanged (3.35°; its 5 flagged runs are away from contacts). In the consistency
  suite (against the same code with it off) the rendered CRF 35 knee row passes
  (−3.28 → −1.46°; rows over target 12 → 11), but the walking clip's CRF 35 foot strike
  moves −4.15 → −7.52° (already over the ±3° target; mirror +3.58 → +3.61°): two to
  five runs are flagged per walking copy, different per copy, some at contacts whose
  strike angle is then not read (a gap-filled foot). A row made worse; hence off.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

import gaitcheck.analysis as analysis_module
import gaitcheck.events.detect as detect_module
from gaitcheck.evaluation import match_events
from gaitcheck.events.model import GaitEvents
from gaitcheck.landmarks import LM
from gaitcheck.tracks.io import load_tracks
from gaitcheck.tracks.tracks import LandmarkTracks

KEYS = ("foot_strike", "overstride_pct", "knee_flexion_ic_deg")
SHIFTS = (-1.0, -0.5, -0.25, 0.25, 0.5, 1.0)


def encoder_of(video: Path) -> str:
    """The x264 build that wrote ``video`` (its SEI string), or "unknown"."""
    head = video.read_bytes()[:2_000_000]
    m = re.search(rb"x264 - core (\d+)", head)
    return f"x264 core {m.group(1).decode()}" if m else "unknown"


def tracks_with_lines(npz: Path, video: Path) -> LandmarkTracks:
    """Cached landmarks with the scene lines of ``video`` (as ``consistency.analyse``)."""
    from gaitcheck.video.lines import scene_lines_from_video

    t = load_tracks(npz)
    if "scene_lines" in t.source:
        return t
    return LandmarkTracks(t.image, t.world, t.time_s, t.frame_index, t.video,
                          t.source | {"scene_lines": scene_lines_from_video(video, t)})


@contextmanager
def events_replaced(make: Callable[..., GaitEvents]) -> Iterator[None]:
    """Analyse with ``make`` in place of the event detector."""
    orig = analysis_module.detect_gait_events
    analysis_module.detect_gait_events = make
    try:
        yield
    finally:
        analysis_module.detect_gait_events = orig


def analyse(tracks: LandmarkTracks, events: GaitEvents | None = None
            ) -> tuple[GaitEvents, list[Any], dict[str, float]]:
    """Events, calibrated stances and the three IC metrics of ``tracks``.

    ``events`` : use these instead of detecting (the landmarks × events decomposition).
    """
    seen: dict[str, Any] = {"stances": []}
    orig_detect, orig_anchor = analysis_module.detect_gait_events, detect_module.anchor_calibrated

    def anchor(*a: Any, **kw: Any) -> Any:
        out = orig_anchor(*a, **kw)
        seen["stances"] += out
        return out

    def detect(*a: Any, **kw: Any) -> GaitEvents:
        seen["events"] = events if events is not None else orig_detect(*a, **kw)
        return seen["events"]

    detect_module.anchor_calibrated = anchor
    try:
        with events_replaced(detect):
            an = analysis_module.analyze_tracks(tracks)
    finally:
        detect_module.anchor_calibrated = orig_anchor
    return seen["events"], seen["stances"], {k: _number(an.metrics[k].value) for k in KEYS}


def _number(value: float | None) -> float:
    return float("nan") if value is None else float(value)


def shifted(events: GaitEvents, frames: float, fps: float) -> GaitEvents:
    """``events`` with every IC moved by ``frames``."""
    cs = tuple(dataclasses.replace(c, time_s=c.time_s + frames / fps, frame=c.frame + frames)
               for c in events.contacts)
    return dataclasses.replace(events, contacts=cs)


def nearest(values: Sequence[tuple[str, float]], side: str, at: float, within: float = 3.0
            ) -> float:
    """The value of ``side`` nearest ``at`` (NaN if none within ``within``)."""
    cand = [v for s, v in values if s == side and np.isfinite(v)]
    if not cand:
        return float("nan")
    best = min(cand, key=lambda v: abs(v - at))
    return best if abs(best - at) <= within else float("nan")


def foot_angle_px(px: np.ndarray, side: str, facing: str) -> np.ndarray:
    """Heel → foot_index angle in the image, toes up +, deg, per frame."""
    h, q = px[:, LM[f"{side}_heel"]], px[:, LM[f"{side}_foot_index"]]
    fwd = -1.0 if facing == "left" else 1.0
    return np.degrees(np.arctan2(-(q[:, 1] - h[:, 1]), fwd * (q[:, 0] - h[:, 0])))


def real_clip(cache: Path, video: Path, labels: Path) -> None:
    """Sections 1–3 on the real treadmill clip."""
    truth = json.loads(labels.read_text())
    facing = truth["facing"]
    near = "left" if facing == "left" else "right"
    side_of = {"near": near, "far": "right" if near == "left" else "left"}
    fps = float(truth["fps"])
    labs = [(side_of[c["foot"]], float(c["frame"])) for c in truth["contacts"]["list"]]
    ref = [{"time_s": c["time_s"], "side": side_of[c["foot"]]} for c in truth["contacts"]["list"]]
    d = cache / "treadmill"
    copies = {"original": tracks_with_lines(d / "base.landmarks.npz", video),
              "crf35": tracks_with_lines(d / "crf35.landmarks.npz", d / "crf35.mp4")}
    print(f"treadmill: CRF 35 copy written by {encoder_of(d / 'crf35.mp4')}")
    res = {k: analyse(t) for k, t in copies.items()}

    print("\n1. ICs against the labels (frames, + late)")
    for k, (ev, _, _) in res.items():
        m = match_events(ev.contacts, ref, 1 / fps + 1e-6)
        t3 = match_events(ev.contacts, ref, 3 / fps + 1e-6).timing()
        print(f"  {k:9s} within ±1: {m.to_dict()['true_positives']}/{len(ref)}  "
              f"bias {t3.bias * fps:+.2f}  SD {t3.sd * fps:.2f}")
    table = {}
    for k, (ev, stances, _) in res.items():
        fin = [(c.side, c.frame) for c in ev.contacts]
        table[k] = {
            "final": [nearest(fin, s, f) - f for s, f in labs],
            "direct": [nearest([(x.side, x.ic_direct) for x in stances], s, f) - f
                       for s, f in labs],
            "anchor": [nearest([(x.side, x.peak) for x in stances], s, f) - f
                       for s, f in labs]}
    print("  per foot, CRF 35 − original (mean over paired labels):")
    for foot, side in side_of.items():
        rows = [i for i, (s, _) in enumerate(labs) if s == side]
        parts = []
        for what in ("final", "direct", "anchor"):
            dd = np.array([table["crf35"][what][i] - table["original"][what][i] for i in rows])
            parts.append(f"{what} {np.nanmean(dd):+.2f}")
        lag = {k: np.nanmedian(np.array(table[k]["final"])[rows]
                               - np.array(table[k]["anchor"])[rows]) for k in table}
        print(f"  {foot:4s} ({side}): " + ", ".join(parts)
              + f"; final − anchor {lag['original']:+.2f} → {lag['crf35']:+.2f}")
    dd = np.array(table["crf35"]["final"]) - np.array(table["original"]["final"])
    print(f"  every contact: {np.nanmean(dd):+.2f} (SD {np.nanstd(dd):.2f}, "
          f"{np.nanmin(dd):+.2f}…{np.nanmax(dd):+.2f})")

    print("\n2. Foot landmarks at the labelled frames (CRF 35 − original; y px down +)")
    ks = np.arange(-4, 4)
    for foot, side in side_of.items():
        n = len(copies["original"].time_s)
        frames = [int(f) for s, f in labs if s == side and 6 <= f < n - 6]
        for name in ("raw", "cleaned"):
            px = {}
            for k, t in copies.items():
                px[k] = t.xy_px() if name == "raw" else res_cleaned(t)
            ang = {k: foot_angle_px(p, side, facing) for k, p in px.items()}
            da = np.array([[ang["crf35"][f + k] - ang["original"][f + k] for k in ks]
                           for f in frames])
            print(f"  {foot} {name:7s} foot angle, frames {ks[0]}…{ks[-1]}: "
                  + " ".join(f"{v:+5.1f}" for v in np.nanmean(da, axis=0)))
        raw = {k: t.xy_px() for k, t in copies.items()}
        for part in ("heel", "foot_index", "ankle"):
            j = LM[f"{side}_{part}"]
            dy = np.array([[raw["crf35"][f + k, j, 1] - raw["original"][f + k, j, 1] for k in ks]
                           for f in frames])
            print(f"  {foot} raw {part:10s} height change (px, up +):   "
                  + " ".join(f"{-v:+5.1f}" for v in np.nanmean(dy, axis=0)))

    print("\n3. Landmarks × events (foot angle °, overstride % leg, knee °)")
    evs = {k: r[0] for k, r in res.items()}
    base = res["original"][2]
    for lk, t in copies.items():
        for ek, ev in evs.items():
            v = analyse(t, ev)[2]
            print(f"  {lk:9s} landmarks, {ek:9s} events: "
                  + "  ".join(f"{v[q]:6.2f} ({v[q] - base[q]:+.2f})" for q in KEYS))
    for lk, t in copies.items():
        v0 = res[lk][2]
        for dt in SHIFTS:
            v = analyse(t, shifted(evs[lk], dt, fps))[2]
            print(f"  {lk:9s} ICs moved {dt:+.2f} frame: "
                  + "  ".join(f"{v[q] - v0[q]:+6.2f}" for q in KEYS))


def res_cleaned(tracks: LandmarkTracks) -> np.ndarray:
    """Cleaned pixel tracks (running settings, as the analysis of a run)."""
    from gaitcheck.tracks.clean import clean_tracks

    return clean_tracks(tracks).tracks.xy_px()


def rendered(cache: Path) -> None:
    """Section 4: the rendered 60 fps runner against its truth."""
    d = cache / "synth60"
    truth = json.loads((d / "base.truth.json").read_text())
    fps = float(truth["camera"]["fps"])
    ref = [{"time_s": c["time_s"], "side": c["side"]} for c in truth["contacts"]]
    copies = {k: tracks_with_lines(d / f"{k}.landmarks.npz", d / f"{k}.mp4")
              for k in ("base", "crf35")}
    print(f"\n4. Rendered runner ({fps:.0f} fps; CRF 35 by {encoder_of(d / 'crf35.mp4')}), "
          f"truth knee at IC {truth['metrics']['knee_flexion_ic_deg']['value']}°")
    res = {k: analyse(t) for k, t in copies.items()}
    for k, (ev, _, v) in res.items():
        agree = match_events(ev.contacts, ref, 3 / fps).timing()
        print(f"  {k:6s} IC bias {agree.bias * fps:+.2f} frame, SD {agree.sd * fps:.2f}; "
              + "  ".join(f"{q} {v[q]:.2f}" for q in KEYS))
    for lk, t in copies.items():
        for ek, (ev, _, _) in res.items():
            v = analyse(t, ev)[2]
            print(f"  {lk:6s} landmarks, {ek:6s} events: knee {v['knee_flexion_ic_deg']:.2f}")
    truth_px = np.asarray(truth["landmarks_px"], float)
    raw = copies["crf35"].xy_px()
    n = min(len(raw), len(truth_px))
    bad = []
    for c in truth["contacts"]:
        f = round(c["frame"])
        s = c["side"]
        other = "right" if s == "left" else "left"
        lo, hi = max(f - 3, 0), min(f + 4, n)
        off = [min(np.linalg.norm(raw[i, LM[f"{s}_ankle"]] - truth_px[i, LM[f"{s}_ankle"]]),
                   np.linalg.norm(raw[i, LM[f"{s}_ankle"]] - truth_px[i, LM[f"{other}_ankle"]]))
               for i in range(lo, hi)]
        bad.append((s, f, int(np.sum(np.array(off) > 40))))
    print("  CRF 35 frames within ±3 of a contact whose ankle is > 40 px from both true "
          "ankles: " + ", ".join(f"{s[0]}{f}:{k}" for s, f, k in bad if k))


def knee_px(px: np.ndarray, side: str) -> np.ndarray:
    """Knee flexion in the image (180° − hip-knee-ankle angle), deg, per frame."""
    h, k, a = (px[:, LM[f"{side}_{p}"]] for p in ("hip", "knee", "ankle"))
    u, v = h - k, a - k
    cos = np.sum(u * v, -1) / np.linalg.norm(u, axis=-1) / np.linalg.norm(v, axis=-1)
    return np.asarray(180.0 - np.degrees(np.arccos(np.clip(cos, -1.0, 1.0))))


def collapse_repair(cache: Path) -> None:
    """Section 5: cleaned knee at the true contacts, leg-collapse repair off / on."""
    from gaitcheck.tracks.clean import clean_tracks
    from gaitcheck.tracks.settings import DEFAULT_CLEANING_SETTINGS

    d = cache / "synth60"
    truth = json.loads((d / "base.truth.json").read_text())
    true_px = np.asarray(truth["landmarks_px"], float)
    print("\n5. Cleaned knee flexion at the true contacts − truth (°), leg collapse off / on")
    for k in ("base", "crf35"):
        t = load_tracks(d / f"{k}.landmarks.npz")
        for on in (False, True):
            cfg = dataclasses.replace(DEFAULT_CLEANING_SETTINGS, leg_collapse=on)
            res = clean_tracks(t, settings=cfg)
            px = res.tracks.xy_px()
            frames = np.arange(min(len(px), len(true_px)))
            rows = [(c["side"][0], c["frame"], float(
                np.interp(c["frame"], frames, knee_px(px[frames], c["side"]))
                - np.interp(c["frame"], frames, knee_px(true_px[frames], c["side"]))))
                for c in truth["contacts"] if 2 <= c["frame"] <= len(frames) - 3]
            err = np.abs([e for *_, e in rows])
            near = np.abs([e for s, _, e in rows if s == truth["view"].split("-")[1][0]])
            print(f"  {k:6s} {'on ' if on else 'off'} mean |err| {err.mean():.2f}, near foot "
                  f"{near.mean():.2f}, worst {err.max():.1f}; runs "
                  f"{res.report.get('legs_collapsed', [])}")
            print("    " + " ".join(f"{s}{f:.0f}:{e:+.1f}" for s, f, e in rows))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    here = Path(__file__).resolve().parents[1]
    videos = here.parent / "shared" / "videos"
    parser.add_argument("--cache", type=Path,  # consistency.py's default
                        default=Path.home() / ".cache" / "gaitcheck-consistency")
    parser.add_argument("--video", type=Path, default=videos / "treadmill_side_30fps.mp4")
    parser.add_argument("--labels", type=Path,
                        default=videos / "treadmill_side_30fps.truth.json")
    args = parser.parse_args()
    real_clip(args.cache, args.video, args.labels)
    if (args.cache / "synth60" / "crf35.landmarks.npz").exists():
        rendered(args.cache)
        collapse_repair(args.cache)


if __name__ == "__main__":
    main()

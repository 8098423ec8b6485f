"""Published sources, the cue that goes with each finding, and why a metric has no band.

The registry (:mod:`gaitcheck.metrics.definitions`) cites these in its bands; the cues
and the no-band reasons are filled into its entries on import. Pure data.
"""

from __future__ import annotations

NOVACHECK = "Novacheck 1998, Gait Posture 7:77, doi:10.1016/S0966-6362(97)00038-6"
SOUZA = "Souza 2016, Phys Med Rehabil Clin N Am 27:217, doi:10.1016/j.pmr.2015.08.006"
HEIDERSCHEIT_DOI = "doi:10.1249/MSS.0b013e3181ebedf4"
HEIDERSCHEIT = ("Heiderscheit, Chumanov, Michalski, Wille & Ryan 2011, Med Sci Sports Exerc "
                f"43:296-302, {HEIDERSCHEIT_DOI}")
LIEBERMAN = ("Lieberman, Warrener, Wang & Castillo 2015, J Exp Biol 218:3406-3414, "
             "doi:10.1242/jeb.125500")
TENG_POWERS = ("Teng & Powers 2014, J Orthop Sports Phys Ther 44:785-792, "
               "doi:10.2519/jospt.2014.5249")
TENG_POWERS_2015 = ("Teng & Powers 2015, Med Sci Sports Exerc 47:625-630, "
                    "doi:10.1249/MSS.0000000000000436")
CARSON = "Carson, Aslan & Ortega 2024, PLOS ONE 19:e0302249, doi:10.1371/journal.pone.0302249"
WILLE = ("Wille, Lenhart, Wang, Thelen & Heiderscheit 2014, J Orthop Sports Phys Ther "
         "44:825-830, doi:10.2519/jospt.2014.5367")
BRAMAH = ("Bramah, Preece, Gill & Herrington 2018, Am J Sports Med 46:3023-3031, "
          "doi:10.1177/0363546518793657")
YIP = ("Yip, Chiu & Poon 2008, Man Ther 13:148-154, doi:10.1016/j.math.2006.11.002")
#: What a runner can try when a finding fires, by metric key ("asymmetry" for every
#: left-right comparison): short, sourced, and a suggestion to discuss, not a diagnosis.
#: They sit beside the bands they go with.
CUES: dict[str, str] = {
    "cadence_spm": "You could try a 5-10 % higher step rate at the same speed (a metronome "
    "app helps): in recreational runners it lowered the load absorbed at the knee and hip "
    "(Heiderscheit et al. 2011, " + HEIDERSCHEIT_DOI + "). Discuss it with a coach or "
    "physiotherapist first.",
    "trunk_lean_deg": "A forward lean of about 7° is typical (Teng & Powers 2014, "
    "doi:10.2519/jospt.2014.5249). More lean moves work from the knee to the hip "
    "extensors (" + TENG_POWERS_2015 + "), and leaning further forward raised the energy "
    "cost of treadmill running by 8 % in 16 runners (" + CARSON + "). You could try "
    "running a little taller; discuss it with a coach or physiotherapist first, as a "
    "lean can also be a deliberate way to unload the knee.",
    "knee_flexion_ic_deg": "Knee flexion at contact changes with step rate (17.8° at the "
    "preferred rate, 19.6° at +10 %: Heiderscheit et al. 2011, " + HEIDERSCHEIT_DOI +
    "). Discuss with a coach or physiotherapist whether a small step-rate change suits you.",
    "asymmetry": "Left-right differences can come from an old injury, strength or mobility "
    "differences, or the camera. Film a back view to confirm it, and discuss it with a "
    "physiotherapist (symmetry index: Robinson et al. 1987, PMID 2958572).",
    "arm_crossover": "You could try letting the hands swing forward and back rather than "
    "across the body; there is no published trial of this cue, so discuss it with a coach.",
}
MOORE = "Moore 2016, Sports Med 46:793, doi:10.1007/s40279-016-0474-4"
UNVERIFIED = ("no published range for this definition was verified; shown for tracking "
               "over time")
#: Why a metric has no running band: the sources checked and how their definition
#: differs from what gaitcheck measures (issue 15 item 5). Shown on the metric card.
NO_BAND: dict[str, str] = {
    "head_forward_deg": "no running norm exists for this line. The clinical forward-head "
    "measure, the craniovertebral angle (C7 spinous process → tragus against the "
    "horizontal), is taken standing or sitting still: 50.6 ± 2.1° without and 43.9 ± 3.6° "
    "with neck pain (Lau, Chiu & Lam 2009, Man Ther 14:363-368); " + YIP + " report "
    "smaller angles with neck pain but no cut-off. The pose model tracks neither C7 nor "
    "the tragus (gaitcheck estimates a neck base on the trunk line and uses the ear), and "
    "running tilts trunk and head forward, so a standing norm would judge another angle",
    "overstride_pct": "no published range for the heel-to-hip distance at contact in % of "
    "leg length. Lieberman et al. 2015 (" + LIEBERMAN + ") measured the foot's landing "
    "position relative to the hip but their abstract gives only its change (−5.9 % per +5 "
    "strides/min) and its link to braking force; " + WILLE + " used the 3-D heel-to-"
    "whole-body-centre-of-mass distance as a predictor of loading, not as a norm; "
    + BRAMAH + " found a more extended knee at contact in injured runners (no heel-"
    "distance value in the abstract); " + SOUZA + " gives no cut-off",
    "shank_angle_deg": SOUZA + " asks for a near-vertical shank at loading response and "
    "Lieberman et al. 2015 advise landing with the tibia close to vertical; no range "
    "was found in either. Dingenen, Barton, Janssen, Benoit & Malliaras 2018 (Phys Ther "
    "Sport 33:40-47, doi:10.1016/j.ptsp.2018.06.009) measured tibia inclination at contact "
    "on 2-D video in 21 recreational runners for reliability (smallest detectable "
    "difference 2.2-4.8°), not as a norm",
    "foot_strike": "classified with the Altman & Davis 2012 cut-offs (information, not a "
    "verdict): no range of foot angles is more or less healthy",
    "arm_crossover": "a definition, not a band: the wrist past the body's midline on most "
    "strides. No published cut-off or injury link was found",
}

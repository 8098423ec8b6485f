"""A second pose pass when the first may have followed the wrong person, and filling the
kept pass's short gaps from the other.

With one person per frame (the default, ``num_poses=1``) MediaPipe follows whoever it
detected first until it loses them, and only then detects again: in a clip where a
bystander is in view first, the walker is never seen until the bystander leaves.
:func:`second_look` says when such a pass must be redone tracking two people,
:func:`gait_frames` which of the two passes found more of the walker or runner, and
:func:`fill_gaps` fills the kept pass's short gaps from the other where it found the
same person (the passes themselves run in :mod:`gaitcheck.pose.run`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from gaitcheck.pose.backend import PoseCandidate
from gaitcheck.pose.person_box import body_box

#: A one-person pass is redone tracking two when the model spent this long on someone
#: other than the subject, or the person followed steps less than this (0..1).
SECOND_LOOK_OTHER_S, SECOND_LOOK_STEPPING = 0.5, 0.5
#: Gaps in the kept pass's subject up to this long are filled from the other pass when
#: its subject is there, within this many body sizes of where the kept one was heading.
FILL_MAX_GAP_S, FILL_MAX_SHIFT = 0.5, 0.5


def second_look(selection: dict[str, Any]) -> str | None:
    """Why a pass that tracked one person per frame should be redone tracking two.

    Parameters
    ----------
    selection : dict
        :meth:`gaitcheck.pose.subject.SubjectSelection.describe` of the one-person pass.

    Returns
    -------
    str or None
        The reason, or None when the pass stands: the backend already reported several
        people in a frame (a second pass would see nothing new), nobody was found, or
        the person followed steps (walks or runs) and the model never spent
        :data:`SECOND_LOOK_OTHER_S` on anyone else.
    """
    subject = selection.get("subject") or {}
    if selection.get("max_people_in_frame", 0) > 1 or not subject:
        return None
    if selection.get("seconds_on_other_people", 0.0) >= SECOND_LOOK_OTHER_S:
        return (f"the one-person model followed someone else for "
                f"{selection['seconds_on_other_people']:.1f} s")
    if subject.get("stepping", 1.0) < SECOND_LOOK_STEPPING:
        return (f"the person followed is not clearly walking or running (stepping "
                f"{subject['stepping']:.2f} of 1)")
    return None


def gait_frames(selection: dict[str, Any]) -> float:
    """Frames of the subject weighted by how clearly they step: which of two passes
    found more of a walker or runner (:func:`second_look`)."""
    subject = selection.get("subject") or {}
    return float(subject.get("frames", 0)) * (0.2 + float(subject.get("stepping", 0.0)))


def fill_gaps(image: np.ndarray, world: np.ndarray, other_image: np.ndarray,
              other_world: np.ndarray, time_s: np.ndarray, width: int, height: int
              ) -> list[int]:
    """Fill short gaps of the subject from a second pass over the same frames.

    Tracking two people, MediaPipe loses a walker for a few frames where tracking one
    did not (the CRF 35 walking clip: frames 143-144 and 160-164); tracking one, it may
    have followed someone else elsewhere. A frame missing from the subject's tracks is
    filled from the other pass's subject when the gap is at most :data:`FILL_MAX_GAP_S`
    with the subject found on both sides, and the other pose's torso centre lies within
    :data:`FILL_MAX_SHIFT` body sizes of the centre interpolated across the gap (so it
    is the same person, not whoever the other pass followed there).

    Parameters
    ----------
    image, world : numpy.ndarray, shapes (T, 33, C) and (T, 33, 3)
        The kept subject's tracks (NaN where not found), filled in place.
    other_image, other_world : numpy.ndarray
        The other pass's subject, same frames.
    time_s : numpy.ndarray, shape (T,)
        Frame times, seconds.
    width, height : int
        Image size, pixels.

    Returns
    -------
    list of int
        The frames filled.
    """
    found = np.isfinite(image[:, :, 0]).any(axis=1)
    other = np.isfinite(other_image[:, :, 0]).any(axis=1)
    idx = np.flatnonzero(found)
    filled: list[int] = []
    if other.shape != found.shape or len(idx) < 2:
        return filled
    for t in np.flatnonzero(~found & other):
        k = np.searchsorted(idx, t)
        if k == 0 or k == len(idx):
            continue
        a, b = idx[k - 1], idx[k]
        if time_s[b] - time_s[a] > FILL_MAX_GAP_S + 1e-6:
            continue
        box_a, box_b = (body_box(PoseCandidate(image[f], world[f]), width, height)[0]
                        for f in (a, b))
        w = (time_s[t] - time_s[a]) / (time_s[b] - time_s[a])
        expected = box_a + w * (box_b - box_a)
        box = body_box(PoseCandidate(other_image[t], other_world[t]), width, height)[0]
        if np.hypot(*(box[:2] - expected[:2])) <= FILL_MAX_SHIFT * expected[2]:
            filled.append(int(t))
    for f in filled:
        image[f], world[f] = other_image[f], other_world[f]
    return filled

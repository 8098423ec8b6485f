"""Gait events from side-view landmark tracks.

Initial contact and toe-off of each foot, running or walking, and a slow-motion check.

Example
-------
>>> events = detect_gait_events(tracks, facing="left")       # doctest: +SKIP
>>> events.cadence_spm, events.activity, events.warnings      # doctest: +SKIP
"""

from gaitcheck.events.detect import detect_gait_events
from gaitcheck.events.model import (
    EVENT_CODES,
    EventSegment,
    EventWarning,
    GaitEvent,
    GaitEvents,
    RejectedEvent,
)
from gaitcheck.events.settings import DEFAULT_EVENT_SETTINGS, EventSettings
from gaitcheck.events.slowmo import suggest_slowmo_factor

__all__ = [
    "DEFAULT_EVENT_SETTINGS",
    "EVENT_CODES",
    "EventSegment",
    "EventSettings",
    "EventWarning",
    "GaitEvent",
    "GaitEvents",
    "RejectedEvent",
    "detect_gait_events",
    "suggest_slowmo_factor",
]

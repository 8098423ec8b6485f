"""Checking gaitcheck against a reference: your own labels, a lab system or synthetic truth.

Gait events: :func:`match_events` pairs detections with reference events (optimal
one-to-one assignment within a tolerance, per foot) and gives true positives, false
positives and misses, precision / recall / F1 and the signed timing errors. Parameters:
:func:`parameter_errors` gives bias, 95 % limits of agreement and ICCs. Pure numpy and
scipy, in the spirit of gaitmap's ``evaluation_utils``.

Example
-------
>>> from gaitcheck.evaluation import match_events
>>> detected = [{"time_s": 0.21, "side": "right"}, {"time_s": 0.56, "side": "left"}]
>>> labels = [{"time_s": 0.20, "side": "right"}, {"time_s": 0.57, "side": "left"},
...           {"time_s": 0.93, "side": "right"}]
>>> m = match_events(detected, labels, tolerance_s=1 / 30)
>>> m.n_true_positives, m.n_false_positives, m.n_misses, round(m.recall, 3)
(2, 0, 1, 0.667)
"""

from gaitcheck.evaluation.agreement import Agreement, icc, parameter_errors
from gaitcheck.evaluation.matching import EventMatch, event_times, match_events

__all__ = ["Agreement", "EventMatch", "event_times", "icc", "match_events", "parameter_errors"]

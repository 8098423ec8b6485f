"""The body sides, in the order every table, loop and report uses.

A module of its own, importing nothing, so that any package (tracks, events, metrics,
report, synth) can share the one constant without pulling in numpy or OpenCV.
"""

from __future__ import annotations

#: Left then right: the subject's own sides, not the image's.
SIDES: tuple[str, str] = ("left", "right")

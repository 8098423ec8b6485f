"""What makes two analyses one session: patient, video content, measuring settings.

Rendering options (report formats, blurred faces, the PDF's clinic name and note,
whether paths are kept) change the files, not the measurements: re-analysing a video
with ``--anonymize`` or ``--pdf`` updates its session instead of adding a second one.
The batch's resume marker still hashes every option (the files must be redone).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from gaitcheck.batch.jobs import settings_hash

#: :class:`~gaitcheck.pipeline.AnalyzeOptions` fields that only change how reports look.
RENDER_OPTIONS = frozenset({"formats", "anonymize", "anonymize_source", "clinic", "note",
                            "keep_paths"})


def analysis_settings(options: dict[str, Any]) -> dict[str, Any]:
    """``options`` without :data:`RENDER_OPTIONS` (sorted)."""
    return {k: v for k, v in sorted(options.items()) if k not in RENDER_OPTIONS}


def session_settings_hash(options: dict[str, Any]) -> str:
    """Return the settings part of a session's key (hash of :func:`analysis_settings`)."""
    return settings_hash(analysis_settings(options))


def rekey_sessions(conn: sa.Connection) -> int:
    """Re-key sessions stored with schema 1 (whose hash covered rendering options).

    Sessions that become one (the same video analysed with and without ``--pdf``)
    keep the most recently recorded; returns how many were merged away. Sessions
    without stored settings keep their key.
    """
    from gaitcheck.clinic.schema import session_metrics, sessions

    rows = conn.execute(sa.select(sessions.c.id, sessions.c.patient_id,
                                  sessions.c.video_sha256, sessions.c.settings_hash,
                                  sessions.c.settings, sessions.c.recorded_utc)).all()
    groups: dict[tuple[str, str, str], list[Any]] = {}
    for row in rows:
        new = (session_settings_hash(row.settings) if isinstance(row.settings, dict)
               else row.settings_hash)
        groups.setdefault((row.patient_id, row.video_sha256, new), []).append(row)
    merged = 0
    for (_, _, new), members in groups.items():
        members.sort(key=lambda r: (r.recorded_utc or "", r.id))
        keep, drop = members[-1], [r.id for r in members[:-1]]
        if drop:
            conn.execute(session_metrics.delete().where(session_metrics.c.session_id.in_(drop)))
            conn.execute(sessions.delete().where(sessions.c.id.in_(drop)))
            merged += len(drop)
        if keep.settings_hash != new:
            conn.execute(sessions.update().where(sessions.c.id == keep.id)
                         .values(settings_hash=new))
    return merged

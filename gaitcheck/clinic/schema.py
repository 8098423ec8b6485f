"""Tables of the sessions database and their versioned migrations (SQLAlchemy Core).

The database holds one row per analysed session (``sessions``) and one row per metric
of a session (``session_metrics``). ``schema_version`` records which migrations ran.
:data:`MIGRATIONS` is an append-only list: migration *n* brings a database from version
*n − 1* to *n*, and :func:`gaitcheck.clinic.db.open_database` applies the missing ones
under the database's write lock, so two processes opening a new database at once do not
both create it.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa

metadata = sa.MetaData()

schema_version = sa.Table(
    "schema_version", metadata,
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("applied_utc", sa.String(32), nullable=False),
)

sessions = sa.Table(
    "sessions", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("patient_id", sa.String(200), nullable=False, index=True),
    sa.Column("session_date", sa.Date, nullable=False),
    # Content hash of the analysed video (of the landmark file for --landmarks runs).
    sa.Column("video_sha256", sa.String(64), nullable=False),
    # Short hash of the user's analysis settings (gaitcheck.batch.jobs.settings_hash).
    sa.Column("settings_hash", sa.String(32), nullable=False),
    sa.Column("video_name", sa.String(500)),
    # Absolute path: only with --keep-paths (privacy by default).
    sa.Column("video_path", sa.Text),
    sa.Column("view", sa.String(20)),
    sa.Column("view_label", sa.String(20)),
    sa.Column("setting", sa.String(20)),
    sa.Column("activity", sa.String(20)),
    sa.Column("report_dir", sa.Text),
    sa.Column("gaitcheck_version", sa.String(40)),
    sa.Column("model_sha256", sa.String(64)),
    sa.Column("settings", sa.JSON),
    sa.Column("parameters", sa.JSON),
    sa.Column("findings", sa.JSON),
    sa.Column("warnings", sa.JSON),
    sa.Column("reference_bands", sa.JSON),
    sa.Column("camera", sa.JSON),
    sa.Column("analysed_utc", sa.String(32)),
    sa.Column("recorded_utc", sa.String(32), nullable=False),
    sa.UniqueConstraint("patient_id", "video_sha256", "settings_hash", name="uq_session"),
)

session_metrics = sa.Table(
    "session_metrics", metadata,
    sa.Column("session_id", sa.Integer,
              sa.ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True),
    # Report key (``cadence_spm``) or ``asymmetry.<name>`` for a symmetry index.
    sa.Column("metric", sa.String(80), primary_key=True),
    sa.Column("value", sa.Float),
    sa.Column("unit", sa.String(40)),
    # 95 % interval of the value when the report gives one (``ci95``), else NULL.
    sa.Column("ci95_low", sa.Float),
    sa.Column("ci95_high", sa.Float),
    sa.Column("confidence", sa.Float),
    # The metric's report.json entry (per-stride values, pattern, validity ...).
    sa.Column("detail", sa.JSON),
)


def _v1(conn: sa.Connection) -> None:
    for table in (sessions, session_metrics):
        table.create(conn)


#: Migration *n* (1-based position) takes the schema from version *n − 1* to *n*.
MIGRATIONS: list[Callable[[sa.Connection], None]] = [_v1]
LATEST = len(MIGRATIONS)

"""Tables of the sessions database and their versioned migrations (SQLAlchemy Core).

The database holds one row per analysed session (``sessions``), one row per metric
of a session (``session_metrics``) and the clinic's defaults (``clinic_settings``, see
:mod:`gaitcheck.clinic.settings`). ``schema_version`` records which migrations ran.
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
    # Where the date came from (v2): given, video metadata, file time or run day.
    sa.Column("session_date_source", sa.String(20)),
    # Content hash of the analysed video (of the landmark file for --landmarks runs).
    sa.Column("video_sha256", sa.String(64), nullable=False),
    # Short hash of the analysis settings, rendering options left out
    # (gaitcheck.clinic.record.session_settings_hash; v1 hashed them all).
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
    # Faces blurred in the report's images (v2), and why: "--anonymize",
    # "$GAITCHECK_ANONYMIZE" or "database default".
    sa.Column("anonymized", sa.Boolean),
    sa.Column("anonymize_source", sa.String(40)),
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


clinic_settings = sa.Table(
    "clinic_settings", metadata,
    sa.Column("key", sa.String(80), primary_key=True),
    sa.Column("value", sa.String(2000), nullable=False),
    sa.Column("updated_utc", sa.String(32), nullable=False),
)

#: Columns each migration adds to ``sessions`` (the tables above are the latest schema;
#: a new database gets them from :func:`_v1` already, an old one from the migration).
_V2_COLUMNS = ("session_date_source", "anonymized", "anonymize_source")


def _v1(conn: sa.Connection) -> None:
    for table in (sessions, session_metrics):
        table.create(conn)


def _v2(conn: sa.Connection) -> None:
    """Add clinic defaults, the session date's source, face blurring; re-key sessions.

    Session keys now ignore rendering options (a PDF or blurred faces do not make
    another session).
    """
    clinic_settings.create(conn, checkfirst=True)
    have = {c["name"] for c in sa.inspect(conn).get_columns("sessions")}
    for name in _V2_COLUMNS:
        if name not in have:
            column = sessions.c[name]
            kind = column.type.compile(dialect=conn.dialect)
            conn.execute(sa.text(f"ALTER TABLE sessions ADD COLUMN {name} {kind}"))
    from gaitcheck.clinic.keys import rekey_sessions

    rekey_sessions(conn)


#: Migration *n* (1-based position) takes the schema from version *n − 1* to *n*.
MIGRATIONS: list[Callable[[sa.Connection], None]] = [_v1, _v2]
LATEST = len(MIGRATIONS)

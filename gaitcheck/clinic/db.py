"""The sessions database: where it is, opening it, and every read and write.

One code path serves SQLite (one file, the default) and PostgreSQL (a clinic server
shared by several machines), through SQLAlchemy Core.

Location, first match wins: ``--db`` (a path or a ``postgresql://`` URL), the
``GAITCHECK_DB`` environment variable (same forms), else ``sessions.sqlite`` in the
per-user data folder (:func:`default_path`; ``~/.local/share/gaitcheck`` on Linux,
``$XDG_DATA_HOME/gaitcheck`` when set).

Concurrency: every write is one transaction per session. SQLite runs in WAL mode with
a 30-s busy timeout, and every transaction starts with ``BEGIN IMMEDIATE`` (the write
lock is taken up front, so two writers queue instead of failing on a lock upgrade);
a transaction that still meets a lock, a deadlock or a concurrent insert of the same
session is retried (:func:`_retrying`).
"""

from __future__ import annotations

import datetime as _dt
import os
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa

from gaitcheck.clinic import schema
from gaitcheck.clinic.schema import session_metrics, sessions
from gaitcheck.errors import InputError, OutputError

ENV_VAR = "GAITCHECK_DB"
DB_FILE = "sessions.sqlite"
BUSY_TIMEOUT_S = 30.0
RETRIES = 8
#: PostgreSQL advisory-lock key held while migrating (any constant; "gaitchk" in hex).
_PG_LOCK_KEY = 0x67616974636B
T = TypeVar("T")


def default_path() -> Path:
    """Return the per-user database file, ``<user data dir>/gaitcheck/sessions.sqlite``."""
    xdg = os.environ.get("XDG_DATA_HOME")
    if xdg:
        return Path(xdg) / "gaitcheck" / DB_FILE
    import platformdirs

    return platformdirs.user_data_path("gaitcheck", appauthor=False) / DB_FILE


def resolve(db: str | Path | None = None) -> str:
    """Choose the database: ``db``, else ``$GAITCHECK_DB``, else :func:`default_path`.

    Returns a path (as text) or a URL; see :func:`engine_url`.
    """
    if db is not None and str(db).strip():
        return str(db)
    env = os.environ.get(ENV_VAR, "").strip()
    return env or str(default_path())


def is_url(location: str) -> bool:
    """Whether ``location`` is a URL rather than a file path."""
    return "://" in location


def engine_url(location: str) -> sa.URL:
    """SQLAlchemy URL of a path or URL (``postgresql://`` runs on psycopg 3)."""
    if not is_url(location):
        return sa.URL.create("sqlite", database=str(Path(location).expanduser().resolve()))
    try:
        url = sa.make_url(location)
    except sa.exc.ArgumentError:
        raise InputError(f"not a database URL: {describe(location)}") from None
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    if url.get_backend_name() not in ("sqlite", "postgresql"):
        raise InputError(f"unsupported database {url.drivername!r}: a file path, "
                         "sqlite:///PATH or postgresql://USER@HOST/DB")
    return url


def describe(location: str) -> str:
    """``location`` fit for messages: a URL's password is masked."""
    if not is_url(location):
        return location
    try:
        return sa.make_url(location).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return location.split("@")[-1]


def sqlite_path(location: str) -> Path | None:
    """Return the file of an SQLite database, or None for a server database."""
    url = engine_url(location)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database)


def _sqlite_engine(url: sa.URL) -> sa.Engine:
    path = Path(str(url.database))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise OutputError(f"cannot create {path.parent}: {err.strerror or err}") from None
    engine = sa.create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_S})

    @sa.event.listens_for(engine, "connect")
    def _connect(dbapi_conn: Any, _record: Any) -> None:
        # The driver's own implicit BEGIN is switched off so that ours is IMMEDIATE.
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA synchronous = NORMAL")  # WAL: durable at checkpoint
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _begin(conn: sa.Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


class Database:
    """An open sessions database (migrated to the latest schema on opening).

    Parameters
    ----------
    location : str
        File path or URL (see :func:`resolve`).
    """

    def __init__(self, location: str) -> None:
        self.location = location
        url = engine_url(location)
        self.backend = url.get_backend_name()
        try:
            self.engine = (_sqlite_engine(url) if self.backend == "sqlite"
                           else sa.create_engine(url, pool_pre_ping=True))
        except ModuleNotFoundError as err:
            raise InputError(f"{describe(location)} needs the PostgreSQL driver: pip install "
                             f"'gaitcheck[postgresql]' ({err})") from None
        self._retrying(self._migrate)

    def describe(self) -> str:
        """Return the location fit for messages (password masked)."""
        return describe(self.location)

    def close(self) -> None:
        """Release the connections."""
        self.engine.dispose()

    def __enter__(self) -> Database:
        """Use as a context manager: closed on leaving."""
        return self

    def __exit__(self, *exc: object) -> None:
        """Close the connections."""
        self.close()

    # -- transactions -----------------------------------------------------------------

    @contextmanager
    def _transaction(self) -> Iterator[sa.Connection]:
        try:
            with self.engine.begin() as conn:
                yield conn
        except sa.exc.OperationalError as err:
            if _transient(err):
                raise
            raise OutputError(f"database {describe(self.location)}: "
                              f"{str(err.orig).strip().splitlines()[0]}") from None

    def _retrying(self, work: Callable[[sa.Connection], T]) -> T:
        """Run ``work`` in one transaction, again after a transient failure."""
        for attempt in range(RETRIES):
            try:
                with self._transaction() as conn:
                    return work(conn)
            except (sa.exc.OperationalError, sa.exc.IntegrityError) as err:
                if attempt == RETRIES - 1 or not _transient(err):
                    if isinstance(err, sa.exc.IntegrityError):
                        raise
                    raise OutputError(f"database {describe(self.location)} stayed busy: "
                                      f"{str(err.orig).strip().splitlines()[0]}") from None
                time.sleep(min(2.0, 0.05 * 2 ** attempt) * (0.5 + random.random()))
        raise AssertionError("unreachable")

    def _migrate(self, conn: sa.Connection) -> None:
        if self.backend == "postgresql":
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK_KEY})
        schema.schema_version.create(conn, checkfirst=True)
        current = conn.execute(sa.select(sa.func.max(schema.schema_version.c.version))
                               ).scalar() or 0
        if current > schema.LATEST:
            raise InputError(f"database {describe(self.location)} has schema version "
                             f"{current}, newer than this gaitcheck knows ({schema.LATEST}): "
                             "upgrade gaitcheck")
        for version in range(current + 1, schema.LATEST + 1):
            schema.MIGRATIONS[version - 1](conn)
            conn.execute(schema.schema_version.insert().values(version=version,
                                                               applied_utc=_now()))

    # -- writes -----------------------------------------------------------------------

    def upsert_session(self, record: SessionRecord) -> tuple[int, bool]:
        """Insert or update the session of ``record`` with all its metrics.

        The key is (patient, video content, settings); one transaction.

        Returns
        -------
        (int, bool)
            The session id, and whether it was new.
        """
        return self._retrying(lambda conn: _upsert(conn, record))

    def delete_sessions(self, ids: list[int]) -> int:
        """Delete sessions and their metrics; returns how many sessions went."""
        if not ids:
            return 0

        def work(conn: sa.Connection) -> int:
            conn.execute(session_metrics.delete().where(session_metrics.c.session_id.in_(ids)))
            return conn.execute(sessions.delete().where(sessions.c.id.in_(ids))).rowcount

        return self._retrying(work)

    # -- reads ------------------------------------------------------------------------

    def patients(self) -> list[dict[str, Any]]:
        """Patients with their number of sessions, first and last session date."""
        query = (sa.select(sessions.c.patient_id, sa.func.count().label("sessions"),
                           sa.func.min(sessions.c.session_date).label("first_date"),
                           sa.func.max(sessions.c.session_date).label("last_date"))
                 .group_by(sessions.c.patient_id).order_by(sessions.c.patient_id))
        return self._retrying(lambda conn: [dict(r._mapping) for r in conn.execute(query)])

    def sessions(self, patient_id: str | None = None) -> list[dict[str, Any]]:
        """Read sessions (of one patient, or all), oldest first.

        Each has ``metrics``: metric key → {value, unit, ci95_low, ci95_high,
        confidence, detail}.
        """
        query = sa.select(sessions).order_by(sessions.c.patient_id, sessions.c.session_date,
                                             sessions.c.id)
        if patient_id is not None:
            query = query.where(sessions.c.patient_id == patient_id)

        def work(conn: sa.Connection) -> list[dict[str, Any]]:
            rows = [dict(r._mapping) for r in conn.execute(query)]
            by_id = {row["id"]: row for row in rows}
            for row in rows:
                row["metrics"] = {}
            if by_id:
                mq = sa.select(session_metrics).where(
                    session_metrics.c.session_id.in_(list(by_id)))
                for m in conn.execute(mq):
                    item = dict(m._mapping)
                    by_id[item.pop("session_id")]["metrics"][item.pop("metric")] = item
            return rows

        return self._retrying(work)

    def counts(self) -> dict[str, int]:
        """Rows per table (for checks and tests)."""
        def work(conn: sa.Connection) -> dict[str, int]:
            return {t.name: conn.execute(sa.select(sa.func.count()).select_from(t)).scalar()
                    or 0 for t in (sessions, session_metrics)}

        return self._retrying(work)


@dataclass
class SessionRecord:
    """Everything stored about one session (see :mod:`gaitcheck.clinic.schema`).

    ``metrics`` maps a metric key to a dict with ``value``, ``unit``, ``ci95_low``,
    ``ci95_high``, ``confidence`` and ``detail``.
    """

    patient_id: str
    session_date: _dt.date
    video_sha256: str
    settings_hash: str
    columns: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, dict[str, Any]] = field(default_factory=dict)


def _upsert(conn: sa.Connection, record: SessionRecord) -> tuple[int, bool]:
    key = (sessions.c.patient_id == record.patient_id,
           sessions.c.video_sha256 == record.video_sha256,
           sessions.c.settings_hash == record.settings_hash)
    values = {**record.columns, "session_date": record.session_date, "recorded_utc": _now()}
    existing = conn.execute(sa.select(sessions.c.id).where(*key)).scalar()
    if existing is None:
        inserted = conn.execute(sessions.insert().values(
            patient_id=record.patient_id, video_sha256=record.video_sha256,
            settings_hash=record.settings_hash, **values)).inserted_primary_key
        assert inserted is not None  # a single-row insert always has one
        session_id = inserted[0]
    else:
        session_id = existing
        conn.execute(sessions.update().where(sessions.c.id == session_id).values(**values))
        conn.execute(session_metrics.delete().where(session_metrics.c.session_id == session_id))
    if record.metrics:
        conn.execute(session_metrics.insert(), [
            {"session_id": session_id, "metric": key_, **metric}
            for key_, metric in record.metrics.items()])
    return int(session_id), existing is None


def _transient(err: sa.exc.DBAPIError) -> bool:
    """Tell whether a failure is worth another try.

    A lock, deadlock, serialization failure or a concurrent insert of the same key is.
    """
    if isinstance(err, sa.exc.IntegrityError):
        return "uq_session" in str(err.orig) or "UNIQUE constraint failed: sessions" in str(
            err.orig)
    text = str(err.orig).lower()
    code = getattr(err.orig, "sqlstate", None)
    return ("locked" in text or "busy" in text or code in ("40001", "40P01")
            or "deadlock" in text)


def _now() -> str:
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")


def open_database(db: str | Path | None = None) -> Database:
    """Open the database named by ``db``, the environment or the default location.

    It is created and migrated as needed.
    """
    return Database(resolve(db))

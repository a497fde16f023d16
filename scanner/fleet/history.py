"""The scan history: every scan's result, kept in a database, queryable by site and time.

SQLite by default (``history.sqlite`` in ``data_dir()``, or a path); PostgreSQL through
psycopg 3 (``postgresql+psycopg://…``) for a team or a fleet of queue workers writing at once.
The schema is versioned by Alembic (``scanner/fleet/migrations/``) and upgraded on open; a
database made before Alembic (its ``_migrations`` table at version 1) is stamped and upgraded.

Tables::

    scans        one row per scan: site, times, counts, the whole result (gzipped JSON);
                 ``task_key`` (unique) makes a queued site's record idempotent
    findings     one row per finding of a scan: type, severity, phase, service (for pandas)
    batches, batch_sites   queued batches and the state of each site (``scanner.fleet.tasks``)

A database that cannot be used (corrupt, truncated, locked, read-only, a directory, a bad
URL, a missing driver) raises ``StoreError`` with one line that names it and says why.

Example::

    scan_id = record(result)                     # after a scan
    rows = list_scans(site="www.example.com")    # newest first
    old, new = load(rows[1]["id"]), load(rows[0]["id"])
"""

from __future__ import annotations

import datetime as _dt
import gzip
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import platformdirs
import sqlalchemy as sa
from alembic.util.exc import CommandError

from scanner.errors import CookiescanError, first_line
from scanner.fleet.migrations import migrate
from scanner.model import ScanResult

#: Seconds a SQLite database locked by another writer is waited for.
BUSY_TIMEOUT = 30.0


class StoreError(CookiescanError):
    """A history database or schedule store that cannot be opened, read or written; the
    message names it (password hidden) and says why in one line."""


metadata = sa.MetaData()

scans = sa.Table(
    "scans",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("site", sa.String(2000), nullable=False, index=True),
    sa.Column("host", sa.String(255), nullable=False, index=True),
    sa.Column("start_url", sa.String(2000), nullable=False),
    sa.Column("started_at", sa.String(40), nullable=False),
    sa.Column("finished_at", sa.String(40)),
    sa.Column("recorded_at", sa.String(40), nullable=False),
    sa.Column("complete", sa.Boolean, nullable=False),
    sa.Column("source", sa.String(40), nullable=False),
    sa.Column("tool_version", sa.String(40), nullable=False),
    sa.Column("pages", sa.Integer, nullable=False),
    sa.Column("page_errors", sa.Integer, nullable=False),
    sa.Column("cookies", sa.Integer, nullable=False),
    sa.Column("services", sa.Integer, nullable=False),
    sa.Column("findings", sa.Integer, nullable=False),
    sa.Column("result_gz", sa.LargeBinary, nullable=False),
    sa.Column("task_key", sa.String(300), unique=True),  # revision 0002
)

findings = sa.Table(
    "findings",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("scan_id", sa.Integer, sa.ForeignKey("scans.id"), nullable=False, index=True),
    sa.Column("type", sa.String(100), nullable=False),
    sa.Column("severity", sa.String(20), nullable=False),
    sa.Column("phase", sa.String(40)),
    sa.Column("service_id", sa.String(200)),
    sa.Column("message", sa.Text, nullable=False),
    sa.Column("pages", sa.Text, nullable=False),  # JSON list
)

migrations_table = sa.Table(  # the pre-Alembic version table, kept for older releases
    "_migrations",
    metadata,
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("applied_at", sa.String(40), nullable=False),
)


def data_dir() -> Path:
    """Where cookiescan keeps its data: the history, schedules, journals of ``scan``.

    ``$XDG_DATA_HOME/cookiescan`` when ``XDG_DATA_HOME`` is set (on every platform, and also
    a relative path), else the platform's user data dir (``platformdirs``):
    ``~/.local/share/cookiescan`` on Linux, ``~/Library/Application Support/cookiescan`` on
    macOS, ``%LOCALAPPDATA%\\cookiescan`` on Windows.
    """
    # platformdirs reads XDG_DATA_HOME on Linux too, but ignores a relative path, older
    # releases ignore it on macOS and Windows never reads it: here it always wins, as before.
    base = os.environ.get("XDG_DATA_HOME")
    if base:
        return Path(base) / "cookiescan"
    return Path(platformdirs.user_data_dir("cookiescan", appauthor=False))


def default_db() -> Path:
    """``data_dir() / "history.sqlite"``."""
    return data_dir() / "history.sqlite"


def db_url(db: str | Path | None = None) -> str:
    """A SQLAlchemy URL from a path, a URL, or ``None`` (the default database).

    The schedule store (``scanner.fleet.schedule.store_url``) is named the same way.
    """
    if db is not None and "://" in str(db):
        return str(db)
    path = Path(db) if db is not None else default_db()
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


def shown(url: str) -> str:
    """A database path or URL as messages show it: the password hidden, a path as a path.

    >>> shown("postgresql://scanner:s3cret@db.example.com/history")
    'postgresql://scanner:***@db.example.com/history'
    >>> shown("sqlite:////var/lib/cookiescan/history.sqlite")
    '/var/lib/cookiescan/history.sqlite'
    """
    if url.startswith("sqlite:///") and "?" not in url:
        return url[len("sqlite:///") :]
    try:
        return sa.make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - not a URL SQLAlchemy can parse: as given, minus userinfo
        scheme, sep, rest = url.partition("://")
        return scheme + sep + rest.rpartition("@")[2] if sep else url


def store_error(what: str, url: str, exc: BaseException) -> StoreError:
    """``StoreError`` saying why the ``what`` ("history database") at ``url`` failed."""
    if isinstance(exc, sa.exc.DBAPIError) and exc.orig is not None:
        reason = first_line(exc.orig)
    elif isinstance(exc, (sa.exc.ArgumentError, sa.exc.NoSuchModuleError, ValueError)):
        reason = f"not a database URL that can be used ({first_line(exc)})"
    elif isinstance(exc, ImportError):
        reason = f"its database driver is not installed ({first_line(exc)})"
    elif isinstance(exc, OSError):
        reason = exc.strerror or first_line(exc)
    else:
        reason = first_line(exc)
    if "locked" in reason:
        reason += " (another process is using it)"
    return StoreError(f"{what} {shown(url)}: {reason}")


#: What opening, reading or writing a database may raise when the database is the problem
#: (alembic's CommandError: a database at a revision this release does not know).
STORE_ERRORS = (sa.exc.SQLAlchemyError, ValueError, ImportError, OSError, CommandError)


def sqlite_directory(url: str) -> bool:
    """True when ``url`` names a SQLite file that is a directory."""
    return url.startswith("sqlite:///") and Path(url[len("sqlite:///") :].split("?")[0]).is_dir()


_engines: dict[str, sa.Engine] = {}


def engine(db: str | Path | None = None) -> sa.Engine:
    """An engine on ``db`` with the schema migrated to the latest version (cached per URL).

    Raises ``StoreError`` when the database cannot be used.
    """
    try:
        url = db_url(db)
    except OSError as exc:
        raise store_error("history database", str(db), exc) from None
    if url not in _engines:
        if sqlite_directory(url):
            raise StoreError(f"history database {shown(url)}: is a directory, not a database")
        try:
            if url.startswith("sqlite"):
                eng = sa.create_engine(url, connect_args={"timeout": BUSY_TIMEOUT})
            else:  # a server that went away and came back: test each connection before use
                eng = sa.create_engine(url, pool_pre_ping=True)
        except STORE_ERRORS as exc:
            raise store_error("history database", url, exc) from None
        try:
            migrate(eng)
        except STORE_ERRORS as exc:
            eng.dispose()
            raise store_error("history database", url, exc) from None
        _engines[url] = eng
    return _engines[url]


def check(db: str | Path | None = None) -> None:
    """Open ``db`` and read it once; ``StoreError`` when it cannot be used (a command calls
    this before it scans, so a bad ``--db`` costs no scan)."""
    with _begin(db) as conn:
        conn.execute(sa.select(sa.func.count()).select_from(scans)).scalar()


def dispose() -> None:
    """Close every cached engine (tests, and before a process forks)."""
    for eng in _engines.values():
        eng.dispose()
    _engines.clear()


@contextmanager
def _begin(db: str | Path | None) -> Iterator[sa.Connection]:
    eng = engine(db)
    try:
        with eng.begin() as conn:
            yield conn
    except sa.exc.SQLAlchemyError as exc:
        raise store_error("history database", eng.url.render_as_string(False), exc) from None


def site_key(url: str) -> str:
    """How a site is named in the history: its start URL without query or fragment."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, (parts.netloc or "").lower(), parts.path or "/", "", ""))


def record(
    result: ScanResult,
    db: str | Path | None = None,
    *,
    source: str = "scan",
    key: str | None = None,
) -> int:
    """Store ``result`` (any scan, complete or not); return its scan id.

    With a ``key`` (a queued site: ``BATCH/NAME``) the record is idempotent: a result whose
    key is stored already is not stored again, and the stored scan's id is returned.
    """
    if key is not None and (known := _scan_with_key(key, db)) is not None:
        return known
    try:
        return _insert(result, db, source, key)
    except StoreError:
        if key is not None and (known := _scan_with_key(key, db)) is not None:
            return known  # a concurrent writer stored the same key first
        raise


def _scan_with_key(key: str, db: str | Path | None) -> int | None:
    with _begin(db) as conn:
        row = conn.execute(sa.select(scans.c.id).where(scans.c.task_key == key)).first()
    return int(row[0]) if row else None


def _insert(result: ScanResult, db: str | Path | None, source: str, key: str | None) -> int:
    visits = [v for p in result.phases for v in p.visits]
    cookies = {(c.name, c.domain.lstrip(".")) for v in visits for c in v.cookies}
    data = json.dumps(result.to_dict(), ensure_ascii=False).encode("utf-8")
    row = {
        "site": site_key(result.start_url),
        "host": (urlsplit(result.start_url).hostname or "").lower(),
        "start_url": result.start_url,
        "started_at": result.started_at,
        "finished_at": result.finished_at,
        "recorded_at": _now(),
        "complete": result.complete,
        "source": source,
        "tool_version": result.tool_version,
        "pages": len(visits),
        "page_errors": sum(1 for v in visits if v.errors),
        "cookies": len(cookies),
        "services": len({m.service_id for m in result.matches}),
        "findings": len(result.findings),
        "result_gz": gzip.compress(data, compresslevel=6),
        "task_key": key,
    }
    with _begin(db) as conn:
        inserted = conn.execute(scans.insert().values(**row)).inserted_primary_key
        assert inserted is not None
        scan_id = int(inserted[0])
        rows = [
            {
                "scan_id": scan_id,
                "type": f.type,
                "severity": f.severity,
                "phase": f.phase,
                "service_id": (f.service or {}).get("id"),
                "message": f.message,
                "pages": json.dumps(list(f.pages)),
            }
            for f in result.findings
        ]
        if rows:
            conn.execute(findings.insert(), rows)
    return scan_id


SUMMARY_COLUMNS = [c for c in scans.c if c.name not in ("result_gz", "task_key")]


def list_scans(
    db: str | Path | None = None, *, site: str | None = None, limit: int | None = None
) -> list[dict[str, Any]]:
    """Scans, newest first, without their results. ``site`` is a start URL or a host name."""
    query = sa.select(*SUMMARY_COLUMNS).order_by(scans.c.started_at.desc(), scans.c.id.desc())
    if site:
        query = query.where(_site_clause(site))
    if limit:
        query = query.limit(limit)
    with _begin(db) as conn:
        return [dict(row._mapping) for row in conn.execute(query)]


def _site_clause(site: str) -> sa.ColumnElement[bool]:
    if "://" in site:
        return scans.c.site == site_key(site)
    return scans.c.host == site.lower().strip("/")


def load(scan_id: int, db: str | Path | None = None) -> ScanResult:
    """The stored result of scan ``scan_id``; ``KeyError`` when there is none."""
    with _begin(db) as conn:
        row = conn.execute(sa.select(scans.c.result_gz).where(scans.c.id == scan_id)).first()
    if row is None:
        raise KeyError(f"no scan with id {scan_id} in the history")
    return ScanResult.from_dict(json.loads(gzip.decompress(row[0])))


def get(scan_id: int, db: str | Path | None = None) -> dict[str, Any]:
    """The summary row of scan ``scan_id``; ``KeyError`` when there is none."""
    with _begin(db) as conn:
        row = conn.execute(sa.select(*SUMMARY_COLUMNS).where(scans.c.id == scan_id)).first()
    if row is None:
        raise KeyError(f"no scan with id {scan_id} in the history")
    return dict(row._mapping)


def previous(result: ScanResult, db: str | Path | None = None) -> ScanResult | None:
    """The last stored scan of ``result``'s site that started before ``result`` did."""
    query = (
        sa.select(scans.c.id)
        .where(scans.c.site == site_key(result.start_url))
        .where(scans.c.started_at < result.started_at)
        .order_by(scans.c.started_at.desc(), scans.c.id.desc())
        .limit(1)
    )
    with _begin(db) as conn:
        row = conn.execute(query).first()
    return load(int(row[0]), db) if row else None


def finding_rows(db: str | Path | None = None, *, site: str | None = None) -> list[dict]:
    """Flat finding rows joined with their scan's site and time (ready for pandas)."""
    query = (
        sa.select(findings, scans.c.site, scans.c.started_at)
        .join_from(findings, scans)
        .order_by(scans.c.started_at, findings.c.id)
    )
    if site:
        query = query.where(_site_clause(site))
    with _begin(db) as conn:
        return [dict(row._mapping) for row in conn.execute(query)]


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")

"""The scan history: every scan's result, kept in a database, queryable by site and time.

SQLite by default (``history.sqlite`` in ``data_dir()``, or a path); any SQLAlchemy
URL works too (``postgresql+psycopg://…``), so a team can share one database later. The
schema is versioned in a ``_migrations`` table and upgraded on open.

Tables::

    scans       one row per scan: site, times, counts, the whole result (gzipped JSON)
    findings    one row per finding of a scan: type, severity, phase, service (for pandas)

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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import platformdirs
import sqlalchemy as sa

from scanner.errors import CookiescanError, first_line
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

migrations_table = sa.Table(
    "_migrations",
    metadata,
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("applied_at", sa.String(40), nullable=False),
)


def _create_v1(conn: sa.Connection) -> None:
    scans.create(conn)
    findings.create(conn)


#: (version, name, step). Append new steps; never edit an applied one.
MIGRATIONS: list[tuple[int, str, Callable[[sa.Connection], None]]] = [
    (1, "scans and findings", _create_v1),
]


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


#: What opening, reading or writing a database may raise when the database is the problem.
STORE_ERRORS = (sa.exc.SQLAlchemyError, ValueError, ImportError, OSError)


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
            eng = sa.create_engine(
                url, connect_args={"timeout": BUSY_TIMEOUT} if url.startswith("sqlite") else {}
            )
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


def migrate(eng: sa.Engine) -> list[int]:
    """Apply the migrations ``eng`` lacks, each in its own transaction; return their versions."""
    with eng.begin() as conn:
        migrations_table.create(conn, checkfirst=True)
    applied: list[int] = []
    for version, name, step in MIGRATIONS:
        with eng.begin() as conn:
            done = conn.execute(
                sa.select(migrations_table.c.version).where(migrations_table.c.version == version)
            ).first()
            if done:
                continue
            step(conn)
            conn.execute(
                migrations_table.insert().values(version=version, name=name, applied_at=_now())
            )
            applied.append(version)
    return applied


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


def record(result: ScanResult, db: str | Path | None = None, *, source: str = "scan") -> int:
    """Store ``result`` (any scan, complete or not); return its scan id."""
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


SUMMARY_COLUMNS = [c for c in scans.c if c.name != "result_gz"]


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

"""Schedules written by an older cookiescan: point them at where their function lives now.

A stored schedule names its function by reference (``module:function``). When that function
moves, APScheduler can no longer import the stored reference, logs an error and *deletes* the
schedule. So before the store is opened, ``migrate_refs`` rewrites every row whose ``func`` is
exactly a reference in ``MOVED_FUNCTIONS`` to its new one, in one transaction:

- each row is unpickled as APScheduler itself unpickles it (``pickle.loads`` of the job state,
  nothing more), so the store is trusted exactly as much as it was before: it is ours, and
  anyone who can write to it can already make APScheduler run any importable function;
- the changed state is pickled back with the protocol it was written with, and a row is only
  written if nobody changed it since it was read (a running scheduler moving its next run);
- a reference not in the table is left alone, and so is a row that cannot be unpickled: its id
  is returned, and the caller (``scanner.fleet.schedule.check_store``) reports it in one line.

A second open finds nothing to change. Example::

    moved = migrate_refs(jobstore.engine, jobstore.jobs_t)   # Migration(moved=[...], ...)
"""

from __future__ import annotations

import logging
import pickle
import pickletools
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

log = logging.getLogger("cookiescan.schedule")

#: Where a stored schedule's function was in an older cookiescan -> where it is now. Add a line
#: here whenever a stored function moves again (and point the older lines at the newest place).
MOVED_FUNCTIONS: dict[str, str] = {
    # sessions 1-2: scanner/schedule.py, before the rooms (scanner/fleet/)
    "scanner.schedule:run_scheduled_scan": "scanner.fleet.schedule:run_scheduled_scan",
}


@dataclass
class Migration:
    """What one pass over the store did: the ids rewritten and the ids it could not read."""

    moved: list[str] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)


def migrate_refs(engine: sa.Engine, jobs: sa.Table) -> Migration:
    """Rewrite the moved function references in the job table ``jobs``, in one transaction.

    Nothing is created: a SQLite file or a table that does not exist yet has nothing to move.
    Database errors are raised as SQLAlchemy raises them (the caller names the store).
    """
    done = Migration()
    if _missing_sqlite_file(engine):
        return done
    with engine.begin() as conn:
        if not sa.inspect(conn).has_table(jobs.name, schema=jobs.schema):
            return done
        for row in conn.execute(sa.select(jobs.c.id, jobs.c.job_state)).all():
            try:
                state = pickle.loads(row.job_state)  # noqa: S301 - as APScheduler reads it
            except Exception:  # noqa: BLE001 - any way a stored job cannot be read
                done.unreadable.append(row.id)
                continue
            func = state.get("func") if isinstance(state, dict) else None
            if not isinstance(func, str) or func not in MOVED_FUNCTIONS:
                continue
            state["func"] = MOVED_FUNCTIONS[func]
            blob = pickle.dumps(state, protocol_of(row.job_state))
            written = conn.execute(
                jobs.update()
                .where(jobs.c.id == row.id, jobs.c.job_state == row.job_state)
                .values(job_state=blob)
            )
            if written.rowcount == 1:
                done.moved.append(row.id)
    if done.moved:
        log.info("schedule store: %d schedule(s) written by an older cookiescan updated: %s",
                 len(done.moved), ", ".join(done.moved))  # fmt: skip
    return done


def protocol_of(blob: bytes) -> int:
    """The pickle protocol ``blob`` was written with (2 and later say so; 0 and 1 do not,
    and are told apart by the newest opcode they use)."""
    opcode, arg, _ = next(pickletools.genops(blob))
    if opcode.name == "PROTO" and isinstance(arg, int):
        return arg
    return max(op.proto for op, _, _ in pickletools.genops(blob))


def _missing_sqlite_file(engine: sa.Engine) -> bool:
    url = engine.url
    if url.get_backend_name() != "sqlite":
        return False
    if url.query.get("uri"):  # sqlite:///file:...?uri=true: the driver finds the file
        return False
    database = url.database or ""
    return database in ("", ":memory:") or not Path(database).is_file()

"""The history database's schema migrations (Alembic), run by ``history.engine`` on open.

The revisions live in ``versions/`` (one file each, never edited once released); ``env.py``
runs them on the connection it is given. Run by hand, as a test or an operator would::

    migrate(sqlalchemy.create_engine("postgresql+psycopg://scanner@db/history"))

A database made before Alembic (a ``_migrations`` table at version 1, the same two tables as
revision ``0001``) is stamped at ``0001`` and upgraded from there. Revision ``0001`` also keeps
that old table, at version 1, so an older cookiescan still opens a database made by this one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa

#: Alembic's scripts; tests may add folders of later revisions (``version_locations``).
MIGRATIONS_DIR = Path(__file__).parent
VERSION_LOCATIONS: list[Path] = [MIGRATIONS_DIR / "versions"]
#: The revision a database at ``_migrations`` version 1 (made before Alembic) is at.
PRE_ALEMBIC_REVISION = "0001"
_MIGRATE_LOCK = 727_013  # pg_advisory_xact_lock key: one migrating worker at a time


def alembic_config(conn: sa.Connection) -> Any:
    """Alembic's ``Config`` for the scripts here, running on ``conn``."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "space")
    config.set_main_option("version_locations", " ".join(str(p) for p in VERSION_LOCATIONS))
    config.attributes["connection"] = conn
    return config


def migrate(eng: sa.Engine) -> list[str]:
    """Upgrade ``eng`` to Alembic's head, in one transaction; return the revisions applied.

    On PostgreSQL an advisory lock makes workers that open the database at once migrate one
    after the other. A database made before Alembic is stamped at its revision first.
    """
    from alembic import command
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    with eng.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATE_LOCK})
        config = alembic_config(conn)
        before = MigrationContext.configure(conn).get_current_revision()
        names = sa.inspect(conn).get_table_names()
        if before is None and "_migrations" in names and "scans" in names:
            command.stamp(config, PRE_ALEMBIC_REVISION)
            before = PRE_ALEMBIC_REVISION
        command.upgrade(config, "head")
        after = MigrationContext.configure(conn).get_current_revision()
    if after == before:
        return []
    revisions = ScriptDirectory.from_config(config).iterate_revisions(after, before)
    return [r.revision for r in reversed(list(revisions))]

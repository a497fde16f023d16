# ruff: noqa: F811 - the fixtures imported from servers are redefined as arguments
"""The history on a real PostgreSQL: the same commands give the same output as on SQLite,
Alembic migrations (and a database made before Alembic), concurrent and idempotent writers."""

from __future__ import annotations

import json
import sqlite3
import threading

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from servers import postgres, postgres_url  # noqa: F401 - fixtures
from test_diff import finding, make_result

from scanner.cli.history import diff as diff_cmd
from scanner.cli.history import history as history_cmd
from scanner.fleet import history


@pytest.fixture(autouse=True)
def _dispose():
    yield
    history.dispose()


RESULTS = [
    make_result(
        {"no-interaction": {"cookies": [("_ga", "example.com", "first")], "services": ["ga"]}},
        started_at="2025-01-06T03:00:00+00:00",
    ),
    make_result(
        {"no-interaction": {"services": ["ga", "fb"]}},
        findings=(finding("tracker-before-consent"), finding("no-reject", "medium", None)),
        started_at="2025-01-13T03:00:00+00:00",
    ),
    make_result(url="https://www.example.org/", started_at="2025-01-10T00:00:00+00:00"),
]


def invoke(command, *args: str) -> str:
    result = CliRunner().invoke(command, list(args))
    assert result.exit_code == 0, (result.output, result.exception)
    return result.output


def outputs(db: str) -> dict[str, object]:
    """What the history commands print about RESULTS, minus when they were recorded."""
    ids = [history.record(r, db, source="batch") for r in RESULTS]
    listed = json.loads(invoke(history_cmd, "list", "--db", db))
    for row in listed:
        row.pop("recorded_at")
    return {
        "ids": ids,
        "list": listed,
        "list-site": json.loads(invoke(history_cmd, "list", "--db", db, "--site", "example.com")),
        "table": invoke(history_cmd, "list", "--db", db, "--format", "table").count("\n"),
        "show": json.loads(invoke(history_cmd, "show", str(ids[1]), "--db", db)),
        "export": invoke(history_cmd, "export", "--db", db, "--site", "www.example.com"),
        "diff-last": invoke(diff_cmd, "--site", "www.example.com", "--last", "--db", db),
        "diff-ids": invoke(diff_cmd, str(ids[0]), str(ids[1]), "--db", db),
        "load": [history.load(i, db) for i in ids],
        "previous": history.previous(RESULTS[1], db),
    }


def test_postgres_and_sqlite_give_the_same_list_show_export_and_diff(postgres_url, tmp_path):
    on_sqlite = outputs(str(tmp_path / "h.sqlite"))
    on_postgres = outputs(postgres_url)
    assert on_postgres == on_sqlite
    assert on_postgres["load"] == RESULTS and on_postgres["previous"] == RESULTS[0]
    services = json.loads(on_postgres["diff-last"])["phases"]["no-interaction"]["services"]
    assert [s["id"] for s in services["appeared"]] == ["fb"]


def test_postgres_is_migrated_by_alembic_once(postgres_url):
    eng = history.engine(postgres_url)
    with eng.connect() as conn:
        names = set(sa.inspect(conn).get_table_names())
        revision = conn.exec_driver_sql("select version_num from alembic_version").scalar()
    assert {"scans", "findings", "batches", "batch_sites", "alembic_version"} <= names
    assert revision == "0002"
    assert history.migrate(eng) == []


OLD_SCHEMA = """
CREATE TABLE _migrations (version INTEGER NOT NULL PRIMARY KEY, name VARCHAR(200) NOT NULL,
    applied_at VARCHAR(40) NOT NULL);
CREATE TABLE scans (id INTEGER NOT NULL PRIMARY KEY, site VARCHAR(2000) NOT NULL,
    host VARCHAR(255) NOT NULL, start_url VARCHAR(2000) NOT NULL, started_at VARCHAR(40) NOT NULL,
    finished_at VARCHAR(40), recorded_at VARCHAR(40) NOT NULL, complete BOOLEAN NOT NULL,
    source VARCHAR(40) NOT NULL, tool_version VARCHAR(40) NOT NULL, pages INTEGER NOT NULL,
    page_errors INTEGER NOT NULL, cookies INTEGER NOT NULL, services INTEGER NOT NULL,
    findings INTEGER NOT NULL, result_gz BLOB NOT NULL);
CREATE INDEX ix_scans_site ON scans (site);
CREATE INDEX ix_scans_host ON scans (host);
CREATE TABLE findings (id INTEGER NOT NULL PRIMARY KEY, scan_id INTEGER NOT NULL,
    type VARCHAR(100) NOT NULL, severity VARCHAR(20) NOT NULL, phase VARCHAR(40),
    service_id VARCHAR(200), message TEXT NOT NULL, pages TEXT NOT NULL,
    FOREIGN KEY(scan_id) REFERENCES scans (id));
CREATE INDEX ix_findings_scan_id ON findings (scan_id);
INSERT INTO _migrations VALUES (1, 'scans and findings', '2025-01-01T00:00:00+00:00');
"""


def test_a_history_file_made_before_alembic_is_stamped_and_upgraded(tmp_path):
    path = tmp_path / "old.sqlite"
    con = sqlite3.connect(path)
    con.executescript(OLD_SCHEMA)
    con.close()
    # A scan the old release recorded, through the old table layout (no task_key column).
    old_id = history.record(RESULTS[0], str(tmp_path / "scratch.sqlite"))
    row = history.get(old_id, str(tmp_path / "scratch.sqlite"))
    history.dispose()
    con = sqlite3.connect(tmp_path / "scratch.sqlite")
    blob = con.execute("select result_gz from scans").fetchone()[0]
    con.close()
    con = sqlite3.connect(path)
    columns = [k for k in row if k != "id"]
    con.execute(
        f"insert into scans ({', '.join(columns)}, result_gz) values "
        f"({', '.join('?' for _ in columns)}, ?)",
        [*(row[k] for k in columns), blob],
    )
    con.commit()
    con.close()

    assert history.migrate(history.engine(path)) == []  # opening applied 0002 already
    con = sqlite3.connect(path)
    assert con.execute("select version_num from alembic_version").fetchall() == [("0002",)]
    assert "task_key" in [r[1] for r in con.execute("pragma table_info(scans)")]
    assert con.execute("select version from _migrations").fetchall() == [(1,)]
    con.close()
    assert history.load(1, path) == RESULTS[0]
    new_id = history.record(RESULTS[1], path, key="b1/www.example.com")
    assert [r["id"] for r in history.list_scans(path)] == [new_id, 1]


def test_concurrent_writers_and_idempotent_keys_on_postgres(postgres_url):
    history.engine(postgres_url)  # migrated once; the threads share the engine's pool
    ids: list[int] = []
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            ids.append(history.record(RESULTS[n % 3], postgres_url, key=f"b/{n % 4}"))
            history.record(RESULTS[n % 3], postgres_url, source="batch")  # no key: always new
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len(set(ids)) == 4  # one scan per key, whoever wrote it first
    assert len(history.list_scans(postgres_url)) == 4 + 16


def test_workers_opening_a_new_postgres_database_at_once_migrate_it_once(postgres_url):
    errors: list[BaseException] = []

    def open_it() -> None:
        eng = sa.create_engine(postgres_url)
        try:
            history.migrate(eng)
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            eng.dispose()

    threads = [threading.Thread(target=open_it) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    eng = sa.create_engine(postgres_url)
    with eng.connect() as conn:
        assert conn.exec_driver_sql("select count(*) from alembic_version").scalar() == 1
    eng.dispose()

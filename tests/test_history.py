"""The scan history: migrations, record and load, listing by site, CSV export, diff --last."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_diff import finding, make_result

from scanner.cli.history import diff as diff_cmd
from scanner.cli.history import history as history_cmd
from scanner.fleet import history


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "h.sqlite"
    yield str(path)
    history.dispose()


def run(*args):
    return CliRunner().invoke(history_cmd, list(args))


def test_migrations_recorded_once(db):
    history.engine(db)
    con = sqlite3.connect(db)
    rows = con.execute("select version, name from _migrations").fetchall()
    assert rows == [(1, "scans and findings")]
    tables = {r[0] for r in con.execute("select name from sqlite_master where type='table'")}
    assert {"scans", "findings", "_migrations"} <= tables
    con.close()
    history.dispose()
    assert history.migrate(history.engine(db)) == []  # nothing left to apply


def test_a_later_migration_is_applied_to_an_old_database(db, monkeypatch, tmp_path):
    from scanner.fleet import migrations

    history.engine(db)
    history.dispose()
    later = tmp_path / "later"  # an Alembic revision on top of today's head
    later.mkdir()
    (later / "9001_note.py").write_text(
        'revision, down_revision, branch_labels, depends_on = "9001", "0002", None, None\n'
        "from alembic import op\nimport sqlalchemy as sa\n"
        'def upgrade():\n    op.add_column("scans", sa.Column("note", sa.Text))\n'
    )
    monkeypatch.setattr(migrations, "VERSION_LOCATIONS", [*migrations.VERSION_LOCATIONS, later])
    history.engine(db)
    con = sqlite3.connect(db)
    assert [r[0] for r in con.execute("select version_num from alembic_version")] == ["9001"]
    assert "note" in [r[1] for r in con.execute("pragma table_info(scans)")]
    con.close()


def test_record_load_list_previous(db):
    first = make_result(
        {"no-interaction": {"cookies": [("_ga", "example.com", "first")], "services": ["ga"]}},
        started_at="2025-01-06T03:00:00+00:00",
    )
    second = make_result(
        {"no-interaction": {"services": ["ga", "fb"]}},
        findings=(finding("tracker-before-consent"),),
        started_at="2025-01-13T03:00:00+00:00",
    )
    other = make_result(url="https://www.example.org/", started_at="2025-01-10T00:00:00+00:00")
    ids = [history.record(r, db, source="batch") for r in (first, second, other)]
    assert history.load(ids[1], db) == second
    rows = history.list_scans(db, site="www.example.com")
    assert [r["id"] for r in rows] == [ids[1], ids[0]]  # newest first
    assert rows[0]["findings"] == 1 and rows[1]["cookies"] == 1 and rows[0]["services"] == 2
    assert [r["id"] for r in history.list_scans(db, site="https://www.example.com/?x=1")] == [
        ids[1],
        ids[0],
    ]
    assert len(history.list_scans(db)) == 3
    assert history.previous(second, db) == first
    assert history.previous(first, db) is None
    flat = history.finding_rows(db, site="www.example.com")
    assert [(f["type"], f["severity"], f["service_id"]) for f in flat] == [
        ("tracker-before-consent", "high", "ga")
    ]
    with pytest.raises(KeyError):
        history.load(999, db)


def test_history_commands(db, tmp_path):
    old = make_result({"no-interaction": {"services": ["ga"]}}, started_at="2025-01-06T03:00Z")
    new = make_result({"no-interaction": {"services": ["fb"]}}, started_at="2025-01-13T03:00Z")
    ids = [history.record(r, db) for r in (old, new)]

    listed = run("list", "--db", db, "--site", "www.example.com")
    assert listed.exit_code == 0, listed.output
    assert [r["id"] for r in json.loads(listed.output)] == ids[::-1]
    table = run("list", "--db", db, "--format", "table")
    assert "https://www.example.com/" in table.output

    shown = run("show", str(ids[0]), "--db", db)
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.output)["started_at"] == "2025-01-06T03:00Z"
    assert run("show", "42", "--db", db).exit_code == 2

    out = tmp_path / "h.csv"
    exported = run("export", "--site", "https://www.example.com/", "--db", db, "-o", str(out))
    assert exported.exit_code == 0, exported.output
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert [r["services_list"] for r in rows] == ["ga", "fb"]
    assert rows[0]["services_appeared"] == ""  # nothing to compare the first scan with
    assert (rows[1]["services_appeared"], rows[1]["services_disappeared"]) == ("1", "1")
    assert run("export", "--site", "nowhere.example", "--db", db).exit_code == 2

    last = CliRunner().invoke(diff_cmd, ["--site", "www.example.com", "--last", "--db", db])
    assert last.exit_code == 0, last.output
    services = json.loads(last.output)["phases"]["no-interaction"]["services"]
    assert [s["id"] for s in services["appeared"]] == ["fb"]
    assert [s["id"] for s in services["disappeared"]] == ["ga"]
    by_id = CliRunner().invoke(diff_cmd, [str(ids[0]), str(ids[1]), "--db", db])
    assert json.loads(by_id.output)["phases"] == json.loads(last.output)["phases"]
    one = CliRunner().invoke(diff_cmd, ["--site", "www.example.org", "--last", "--db", db])
    assert one.exit_code == 2 and "fewer than two scans" in one.output


def test_default_database_lives_in_the_data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert history.db_url() == f"sqlite:///{tmp_path / 'cookiescan' / 'history.sqlite'}"
    assert history.db_url("postgresql://u@h/db") == "postgresql://u@h/db"
    assert history.db_url(tmp_path / "x" / "h.sqlite") == f"sqlite:///{tmp_path / 'x' / 'h.sqlite'}"


def test_data_dir_is_xdg_data_home_else_the_platform_one(tmp_path, monkeypatch):
    import platformdirs

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert history.data_dir() == tmp_path / "cookiescan"
    # As before platformdirs: a relative XDG_DATA_HOME is honoured too (platformdirs ignores it).
    monkeypatch.setenv("XDG_DATA_HOME", "relative/data")
    assert history.data_dir() == Path("relative/data/cookiescan")
    monkeypatch.setenv("XDG_DATA_HOME", "")
    platform = Path(platformdirs.user_data_dir("cookiescan", appauthor=False))
    assert history.data_dir() == platform
    monkeypatch.delenv("XDG_DATA_HOME")
    assert history.data_dir() == platform
    if sys.platform.startswith("linux"):
        monkeypatch.setenv("HOME", str(tmp_path))
        assert history.data_dir() == tmp_path / ".local" / "share" / "cookiescan"

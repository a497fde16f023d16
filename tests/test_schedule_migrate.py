"""Schedule stores written by an older cookiescan still work after an upgrade.

Before session 2 the stored schedules named ``scanner.schedule:run_scheduled_scan``; that module
is gone, and APScheduler deletes a job whose function it cannot import. Opening the store now
rewrites those references first (``scanner.fleet.storemigrate``), and refuses a schedule it
still cannot read instead of letting APScheduler delete it.
"""

from __future__ import annotations

import json
import pickle
import pickletools
import sqlite3

import pytest
import sqlalchemy as sa
from apscheduler.util import ref_to_obj
from click.testing import CliRunner
from servers import postgres, postgres_url  # noqa: F401 - fixtures

from scanner.cli import cli
from scanner.dashboard import schedules as dash
from scanner.fleet import schedule as sched
from scanner.fleet import storemigrate

URL = "https://www.example.com/"
OLD = "scanner.schedule:run_scheduled_scan"  # what cookiescan stored before session 2


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args))


def rows(store: str) -> dict[str, bytes]:
    with sqlite3.connect(store) as conn:
        return dict(conn.execute("SELECT id, job_state FROM apscheduler_jobs").fetchall())


def func_of(blob: bytes) -> str:
    return pickle.loads(blob)["func"]  # noqa: S301 - the test's own store


def protocol_of(blob: bytes) -> int:
    first, arg, _ = next(pickletools.genops(blob))
    if first.name == "PROTO":
        return arg
    return max(op.proto for op, _, _ in pickletools.genops(blob))


def set_func(store: str, schedule_id: str, func: str, protocol: int) -> None:
    """Rewrite a stored job's function as an older cookiescan (or another tool) wrote it."""
    with sqlite3.connect(store) as conn:
        (blob,) = conn.execute(
            "SELECT job_state FROM apscheduler_jobs WHERE id = ?", (schedule_id,)
        ).fetchone()
        state = pickle.loads(blob)  # noqa: S301 - the test's own store
        state["func"] = func
        conn.execute(
            "UPDATE apscheduler_jobs SET job_state = ? WHERE id = ?",
            (pickle.dumps(state, protocol), schedule_id),
        )


def old_store(tmp_path, func: str = OLD, protocol: int = pickle.HIGHEST_PROTOCOL) -> str:
    """A store with one schedule, ``www.example.com``, naming ``func``."""
    store = str(tmp_path / "schedules.sqlite")
    sched.add_schedule(URL, cron="0 3 * * 1", options={"max_pages": 7}, store=store)
    set_func(store, "www.example.com", func, protocol)
    return store


@pytest.mark.parametrize("protocol", [0, 2, pickle.HIGHEST_PROTOCOL])
def test_a_schedule_from_before_session_2_is_listed_and_moved(tmp_path, protocol):
    store = old_store(tmp_path, protocol=protocol)
    assert func_of(rows(store)["www.example.com"]) == OLD

    listed = invoke("schedule", "list", "--store", store, "--verbose")

    assert listed.exit_code == 0, (listed.output, listed.exception)
    (entry,) = json.loads(listed.stdout)
    assert entry["id"] == "www.example.com" and entry["url"] == URL
    assert entry["options"]["max_pages"] == 7 and entry["next_run_time"]
    blob = rows(store)["www.example.com"]
    assert func_of(blob) == sched.JOB_FUNCTION
    assert protocol_of(blob) == protocol

    # A second open has nothing left to do: the row stays byte for byte the same.
    again = invoke("schedule", "list", "--store", store, "--verbose")
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout) == [entry]
    assert rows(store) == {"www.example.com": blob}


def test_every_way_in_moves_an_old_schedule(tmp_path):
    # add: the old schedule is kept beside the new one.
    store = old_store(tmp_path / "add")
    added = invoke("schedule", "add", "https://www.example.org/", "--every", "60",
                   "--store", store)  # fmt: skip
    assert added.exit_code == 0, added.output
    assert {i: func_of(b) for i, b in rows(store).items()} == {
        "www.example.com": sched.JOB_FUNCTION,
        "www.example.org": sched.JOB_FUNCTION,
    }
    # remove: the old schedule can be found, and only it goes.
    store = old_store(tmp_path / "remove")
    removed = invoke("schedule", "remove", "www.example.com", "--store", store)
    assert removed.exit_code == 0, removed.output
    assert rows(store) == {}
    # run: the scheduler starts with the schedule, and stops without losing it.
    store = old_store(tmp_path / "run")
    ran = invoke("schedule", "run", "--store", store, "--stop-after", "0")
    assert ran.exit_code == 0, ran.output
    assert func_of(rows(store)["www.example.com"]) == sched.JOB_FUNCTION
    # the dashboard: its schedules page, and "run now", which opens the store by itself.
    store = old_store(tmp_path / "dashboard")
    assert dash.spec(store, "www.example.com")["config"]["max_pages"] == 7
    assert func_of(rows(store)["www.example.com"]) == sched.JOB_FUNCTION
    store = old_store(tmp_path / "dashboard-list")
    assert [s["id"] for s in dash.list_all(store)] == ["www.example.com"]
    assert func_of(rows(store)["www.example.com"]) == sched.JOB_FUNCTION


def test_an_unknown_function_is_left_alone_and_refused_not_deleted(tmp_path):
    store = old_store(tmp_path, func="somebody.else:their_job")
    before = rows(store)

    listed = invoke("schedule", "list", "--store", store)

    assert listed.exit_code == 2, (listed.output, listed.exception)
    lines = [line for line in listed.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in listed.output, listed.output
    assert "schedule store" in lines[0] and "'www.example.com'" in lines[0]
    assert "somebody.else:their_job" in lines[0]
    assert rows(store) == before  # neither rewritten nor deleted


def test_a_row_that_cannot_be_unpickled_is_left_alone(tmp_path):
    store = old_store(tmp_path)
    sched.add_schedule("https://www.example.org/", every=60, store=store)
    with sqlite3.connect(store) as conn:
        conn.execute(
            "UPDATE apscheduler_jobs SET job_state = x'00ff00' WHERE id = 'www.example.org'"
        )

    listed = invoke("schedule", "list", "--store", store)

    assert listed.exit_code == 2, (listed.output, listed.exception)
    lines = [line for line in listed.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "'www.example.org'" in lines[0], listed.output
    after = rows(store)
    assert after["www.example.org"] == b"\x00\xff\x00"
    assert func_of(after["www.example.com"]) == sched.JOB_FUNCTION  # the readable one moved


def test_a_state_apscheduler_cannot_restore_is_refused_in_one_line(tmp_path):
    store = old_store(tmp_path)
    broken = pickle.dumps({"func": OLD, "version": 1})  # no id, no trigger: a KeyError
    with sqlite3.connect(store) as conn:
        conn.execute("UPDATE apscheduler_jobs SET job_state = ?", (broken,))

    listed = invoke("schedule", "list", "--store", store)

    assert listed.exit_code == 2, (listed.output, listed.exception)
    lines = [line for line in listed.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "cannot be read (KeyError)" in lines[0], listed.output
    # its function was moved all the same; nothing else was touched, nothing deleted
    (after,) = rows(store).values()
    assert pickle.loads(after) == {"func": sched.JOB_FUNCTION, "version": 1}  # noqa: S301


def test_a_postgresql_store_is_moved_too(postgres_url):  # noqa: F811 - fixture
    sched.add_schedule(URL, every=3600, store=postgres_url)
    engine = sa.create_engine(postgres_url)
    jobs = sa.table("apscheduler_jobs", sa.column("id"), sa.column("job_state"))
    try:
        with engine.begin() as conn:
            state = pickle.loads(conn.execute(sa.select(jobs.c.job_state)).scalar_one())  # noqa: S301
            state["func"] = OLD
            conn.execute(jobs.update().values(job_state=pickle.dumps(state, 4)))

        listed = invoke("schedule", "list", "--store", postgres_url)

        assert listed.exit_code == 0, (listed.output, listed.exception)
        assert [e["id"] for e in json.loads(listed.stdout)] == ["www.example.com"]
        with engine.connect() as conn:
            blob = conn.execute(sa.select(jobs.c.job_state)).scalar_one()
        assert func_of(blob) == sched.JOB_FUNCTION and protocol_of(blob) == 4
    finally:
        engine.dispose()


def test_the_table_of_moved_functions_points_at_the_current_one():
    assert storemigrate.MOVED_FUNCTIONS[OLD] == sched.JOB_FUNCTION
    for old, new in storemigrate.MOVED_FUNCTIONS.items():
        assert old != new
        assert ref_to_obj(new) is sched.run_scheduled_scan
        assert new not in storemigrate.MOVED_FUNCTIONS  # never moved twice by one open

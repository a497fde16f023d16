"""Careless input to schedules and the history (issue 11 part 8, issue 14 part 7): crons that
never fire, URLs and ids that reach outside, an IDN host, formula cells in the history CSV, and
control characters in TOML. Sites files are in test_hostile_sites.py, the webhook in
test_hostile_webhook.py."""

from __future__ import annotations

import csv
import datetime as dt
import io
import tomllib

import pytest
from cli_errors import assert_one_line_exit_2, invoke
from test_diff import make_result

from scanner.fleet import history
from scanner.fleet import schedule as sched
from scanner.fleet.triggers import parse_trigger
from signatures._toml import dumps

URL = "https://www.example.com/"
UTC = dt.timezone.utc


# -- cron --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "cron, reason",
    [
        ("0 3 30 2 *", "never fires: no month it names has a day 30"),
        ("0 3 31 4,6,9,11 *", "never fires: no month it names has a day 31"),
        ("61 * * * *", "bad minute '61' (takes 0-59"),
        ("0 24 * * *", "bad hour '24'"),
        ("0 3 0 * *", "bad day-of-month '0'"),
        ("0 3 * 13 *", "bad month '13'"),
        ("0 3 * * 8", "bad day-of-week '8'"),
        ("@daily", "5 fields expected"),
        ("0 0 3 * * 1", "5 fields expected"),
    ],
)
def test_a_cron_that_never_fires_or_cannot_be_read_is_refused_for_its_reason(
    tmp_path, cron, reason
):
    store = str(tmp_path / "s.sqlite")
    assert_one_line_exit_2(invoke("schedule", "add", URL, "--cron", cron, "--store", store), reason)
    assert sched.list_schedules(store) == []


@pytest.mark.parametrize(
    "cron, fires",
    [
        # Both days restricted: either one fires, as in cron (the 1st, and every Monday).
        ("0 3 1 * 1", ["Sun 2026-11-01", "Mon 2026-11-02", "Mon 2026-11-09", "Mon 2026-11-16"]),
        ("0 3 13 * 5", ["Fri 2026-11-06", "Fri 2026-11-13", "Fri 2026-11-20", "Fri 2026-11-27"]),
        # Day 31 never comes in February, the Mondays of February do.
        ("0 3 31 2 1", ["Mon 2027-02-01", "Mon 2027-02-08", "Mon 2027-02-15", "Mon 2027-02-22"]),
        # A star in either field: both must match (Debian's cron).
        ("0 3 */10 * 1", ["Mon 2026-12-21", "Mon 2027-01-11", "Mon 2027-02-01", "Mon 2027-03-01"]),
        ("0 3 29 2 *", ["Tue 2028-02-29", "Sun 2032-02-29", "Fri 2036-02-29", "Wed 2040-02-29"]),
        ("0 3 * * 0,7", ["Sun 2026-11-01", "Sun 2026-11-08", "Sun 2026-11-15", "Sun 2026-11-22"]),
    ],
)
def test_cron_days_fire_as_cron_fires_them(cron, fires):
    trigger = parse_trigger(cron, None)
    now, seen = dt.datetime(2026, 11, 1, 3, tzinfo=UTC), []  # Sunday 1 November, 03:00
    fire = trigger.get_next_fire_time(None, now)  # now itself may fire
    for _ in fires:
        seen.append(fire.strftime("%a %Y-%m-%d"))
        assert fire.strftime("%H:%M") == "03:00"
        fire = trigger.get_next_fire_time(fire, now)
    assert seen == fires


def test_a_cron_schedule_reads_back_from_the_store(tmp_path):
    store = str(tmp_path / "s.sqlite")
    added = sched.add_schedule(URL, cron="0  3 1 * 1", store=store)
    assert added["trigger"] == "cron[0 3 1 * 1, 'UTC']"
    fire = dt.datetime.fromisoformat(added["next_run_time"])
    assert fire > dt.datetime.now(UTC) and (fire.day == 1 or fire.weekday() == 0)
    assert sched.list_schedules(store) == [added]  # unpickled by APScheduler, the same


# -- schedule URLs and ids ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "url, reason",
    [
        ("file:///etc/passwd", "unsupported URL scheme 'file:'"),
        ("", "no URL given"),
        ("   ", "no URL given"),
        ("javascript:alert(1)", "unsupported URL scheme 'javascript:'"),
        ("ftp://files.example.com/", "unsupported URL scheme 'ftp:'"),
        ("https://", "no valid host name"),
        ("https://www.example.com:99999/", "invalid port"),
        ("https://bad..example.com/", "no valid host name"),
    ],
)
def test_schedule_add_refuses_what_cannot_be_scanned(tmp_path, url, reason):
    store = str(tmp_path / "s.sqlite")
    result = invoke("schedule", "add", url, "--every", "60", "--store", store)
    assert_one_line_exit_2(result, reason)
    assert sched.list_schedules(store) == []


@pytest.mark.parametrize(
    "schedule_id", ["../../x", "..", ".", ".hidden", "a/b", "a\\b", "x" * 121, "tab\there", "é"]
)
def test_schedule_ids_cannot_name_a_folder_outside_the_schedules_folder(
    tmp_path, monkeypatch, schedule_id
):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    before = sorted(tmp_path.rglob("*"))
    result = invoke("schedule", "add", URL, "--every", "60", "--id", schedule_id)
    assert_one_line_exit_2(result, "invalid schedule id")
    assert sched.list_schedules() == []
    # Nothing but the (empty) store was written: no folder, no file outside.
    after = {p for p in tmp_path.rglob("*") if p not in before}
    assert {p.name for p in after if p.is_file()} == {"schedules.sqlite"}
    # A schedule stored with such an id by an older version fails to run, writing nothing.
    spec = {"id": schedule_id, "config": {"url": URL}}
    assert sched.run_scheduled_scan(spec)["status"] == "failed"
    assert {p for p in tmp_path.rglob("*") if p not in before} == after


def test_a_good_id_and_an_idn_host(tmp_path):
    store = str(tmp_path / "s.sqlite")
    added = sched.add_schedule("https://MÜNCHEN.test/straße", every=60, store=store)
    assert added["url"] == "https://xn--mnchen-3ya.test/stra%C3%9Fe"
    assert added["id"] == "xn--mnchen-3ya.test_stra_C3_9Fe"
    # The punycode form is the same site: the same id, so it is refused as a second one.
    with pytest.raises(sched.ScheduleError, match="exists"):
        sched.add_schedule("https://xn--mnchen-3ya.test/stra%C3%9Fe", every=60, store=store)
    assert sched.add_schedule(URL, every=60, schedule_id="shop_2-b.x", store=store)["id"] == (
        "shop_2-b.x"
    )


# -- the history CSV -----------------------------------------------------------------------------

HOSTILE = ['=HYPERLINK("http://evil.example")', "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"]


def test_history_csv_is_formula_safe(tmp_path):
    db = str(tmp_path / "h.sqlite")
    for day, hosts in (("06", HOSTILE[:3]), ("13", HOSTILE[3:])):
        result = make_result({"no-interaction": {"hosts": hosts}},
                             started_at=f"2025-01-{day}T03:00:00+00:00")  # fmt: skip
        history.record(result, db, source="=cmd|' /C calc'!A0")
    try:
        exported = invoke("history", "export", "--site", "www.example.com", "--db", db)
        listed = invoke("history", "list", "--format", "csv", "--db", db)
    finally:
        history.dispose()
    for output in (exported, listed):
        assert output.exit_code == 0, output.output
        rows = list(csv.reader(io.StringIO(output.stdout, newline="")))
        assert len(rows) == 3 and len({len(r) for r in rows}) == 1  # no row split by a CR
        cells = [cell for row in rows for cell in row]
        assert not [c for c in cells if c.startswith(("=", "+", "-", "@", "\t", "\r"))], cells
    cells = [c for row in csv.reader(io.StringIO(exported.stdout, newline="")) for c in row]
    assert '\'+1+1 -2+3 =HYPERLINK("http://evil.example")' in cells
    assert "'=cmd|' /C calc'!A0" in cells


# -- TOML ---------------------------------------------------------------------------------------


def test_toml_written_with_control_characters_reads_back():
    value = 'del\x7f one\x01 nl\n cr\r tab\t nul\x00 quote" back\\ é \u2028'
    document = {"pack": {"name": value, "odd key\x7f": [value]}, "services": [{"id": value}]}
    assert tomllib.loads(dumps(document)) == document

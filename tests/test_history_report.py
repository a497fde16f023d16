"""The report with "changes since the previous scan" from the CLI: `diff --format html|md` and
`history export --format html|md`, on a temporary history database."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from test_reports_changes import NEW, OLD, parse

from scanner.cli.history import diff as diff_cmd
from scanner.cli.history import history as history_cmd
from scanner.fleet import history

# What NEW has that OLD had not, and the reverse (see test_reports_changes).
EXPECTED = {
    ("no-interaction", "new", "services", "Facebook-Pixel"),
    ("no-interaction", "new", "cookies", "_fbp"),
    ("no-interaction", "gone", "cookies", "_ga"),
    ("no-interaction", "new", "third_party_hosts", "b.example.org"),
    ("no-interaction", "gone", "third_party_hosts", "a.example.net"),
    ("no-interaction", "new", "findings", "Tracking before consent — Facebook-Pixel"),
    ("reject-all", "gone", "services", "Hotjar"),
    ("reject-all", "gone", "cookies", "gone"),
    ("reject-all", "gone", "findings", "Tracking after refusal — hotjar"),
}


@pytest.fixture
def db(tmp_path):
    path = str(tmp_path / "history.sqlite")
    ids = [history.record(r, path) for r in (OLD, NEW)]
    yield path, ids
    history.dispose()


def invoke(command, *args):
    result = CliRunner().invoke(command, list(args))
    assert result.exit_code == 0, result.output
    return result


def test_history_export_html_has_the_changes(db, tmp_path):
    path, _ = db
    out = tmp_path / "report.html"
    invoke(history_cmd, "export", "--site", "www.example.com", "--db", path, "--format", "html",
           "-o", str(out))  # fmt: skip
    html = out.read_text(encoding="utf-8")
    assert parse(html).items == EXPECTED
    assert "2025-01-13 03:00" in html  # the report is of the latest scan...
    assert "Compared with the scan of 2025-01-06 03:00 UTC" in html  # ...since the one before


def test_history_export_csv_is_unchanged_by_default(db):
    path, _ = db
    csv = invoke(history_cmd, "export", "--site", "www.example.com", "--db", path).output
    assert csv.startswith("id,site,started_at,") and "<" not in csv


def test_history_export_of_a_single_scan_has_no_changes(tmp_path):
    path = str(tmp_path / "one.sqlite")
    history.record(NEW, path)
    try:
        result = invoke(history_cmd, "export", "--site", "www.example.com", "--db", path,
                        "--format", "html")  # fmt: skip
    finally:
        history.dispose()
    assert "only one scan in the history" in result.stderr
    assert "<h1>Cookie and tracker report</h1>" in result.stdout
    assert 'id="changes"' not in result.stdout


def test_diff_renders_the_newer_report(db, tmp_path):
    path, ids = db
    out = tmp_path / "diff.html"
    invoke(diff_cmd, str(ids[0]), str(ids[1]), "--db", path, "--format", "html", "-o", str(out))
    assert parse(out.read_text(encoding="utf-8")).items == EXPECTED
    last = invoke(diff_cmd, "--site", "www.example.com", "--last", "--db", path, "--format", "md")
    assert "## Changes since the previous scan" in last.output
    assert "new cookies: \\_fbp (example.com · first party)" in last.output


def test_diff_of_saved_files(tmp_path):
    import reports

    old, new = tmp_path / "old.json", tmp_path / "new.json"
    reports.write(OLD, "json", old)
    reports.write(NEW, "json", new)
    html = invoke(diff_cmd, str(old), str(new), "--format", "html").output
    assert parse(html).items == EXPECTED

"""Batch scans: the sites file, its validation, and outcomes (pure tests)."""

from __future__ import annotations

import dataclasses
import json

import pytest
from click.testing import CliRunner
from test_diff import make_result

from scanner.cli.batch import batch
from scanner.fleet.batch import describe, paths, summarise
from scanner.fleet.sites import BatchError, Job, load_sites, slug
from scanner.model import PageError, PhaseResult, Visit


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_text_file_of_urls(tmp_path):
    path = write(
        tmp_path,
        "sites.txt",
        "# my sites\nhttps://www.example.com/\n\nhttps://www.example.org/shop/  # shop\n"
        "https://www.example.com/?lang=de\n",  # the same name; the same URL is a duplicate
    )
    jobs = load_sites(path, {"max_pages": 3})
    assert [j.name for j in jobs] == [
        "www.example.com",
        "www.example.org_shop",
        "www.example.com-2",
    ]
    assert all(j.config["max_pages"] == 3 for j in jobs)
    assert jobs[1].scan_config().url == "https://www.example.org/shop/"


def test_toml_defaults_and_precedence(tmp_path):
    path = write(
        tmp_path,
        "sites.toml",
        """
[defaults]
max_pages = 5
dwell = 1.0

[[site]]
url = "https://www.example.com/"
first_party = ["example-cdn.net"]
max_pages = 2
name = "shop"

[[site]]
url = "https://www.example.org/"
phases = ["no-interaction", "reject-all"]
""",
    )
    jobs = load_sites(path, {"dwell": 0.5, "max_pages": 9})
    shop, org = jobs
    assert shop.name == "shop" and shop.config["max_pages"] == 2  # the site's own entry wins
    assert shop.config["first_party"] == ["example-cdn.net"]
    assert org.config["max_pages"] == 9  # the command line beats the file's [defaults]
    assert org.config["dwell"] == 0.5
    assert org.scan_config().phases == ("no-interaction", "reject-all")
    # a job is plain JSON both ways: a task queue can carry it
    assert Job(**json.loads(json.dumps(org.to_dict()))) == org


@pytest.mark.parametrize(
    "text, message",
    [
        (
            '[[site]]\nurl = "https://a.example.com/"\nmax_page = 3\n',
            "sites.toml: site 1 (https://a.example.com/): unknown field 'max_page' "
            "(did you mean 'max_pages'?)",
        ),
        (
            '[[site]]\nurl = "https://a.example.com/"\nmax_pages = "ten"\n',
            "site 1 (https://a.example.com/): 'max_pages' must be a whole number",
        ),
        (
            '[[site]]\nurl = "https://a.example.com/"\nfirst_party = "x.com"\n',
            "'first_party' must be a list of strings",
        ),
        (
            '[[site]]\nurl = "https://a.example.com/"\n[[site]]\nmax_pages = 1\n',
            "sites.toml: site 2: 'url' missing",
        ),
        (
            '[[site]]\nurl = "https://a.example.com/"\nphases = ["sometimes"]\n',
            "unknown phase 'sometimes'",
        ),
        (
            '[defaults]\nproxi = "http://p:3128"\n[[site]]\nurl = "https://a.example.com/"\n',
            "sites.toml: [defaults]: unknown field 'proxi' (did you mean 'proxy'?)",
        ),
        (
            '[[site]]\nurl = "https://a.example.com/"\nname = "a"\n'
            '[[site]]\nurl = "https://b.example.com/"\nname = "a"\n',
            "site 2 (https://b.example.com/): name 'a' used twice",
        ),
        ('[[site]]\nurl = "https://a.example.com/"\nname = "../etc"\n', "'name' must be"),
        ("[[site]\n", "sites.toml: invalid TOML"),
        ("[sites]\n", "unknown table(s) ['sites']"),
        ("", "sites.toml: no sites"),
    ],
)
def test_invalid_toml_names_file_entry_and_field(tmp_path, text, message):
    path = write(tmp_path, "sites.toml", text)
    with pytest.raises(BatchError) as info:
        load_sites(path)
    assert message in str(info.value)


def test_batch_command_rejects_a_bad_file_with_exit_2(tmp_path):
    path = write(tmp_path, "sites.toml", '[[site]]\nurl = "https://a.example.com/"\nmax = 1\n')
    result = CliRunner().invoke(batch, [str(path)])
    assert result.exit_code == 2
    assert "unknown field 'max'" in result.output and "Traceback" not in result.output


def test_slug():
    assert slug("https://www.example.com/") == "www.example.com"
    assert slug("https://www.example.com:8443/a/b?x=1") == "www.example.com_a_b"


def _result_with_start(errors):
    result = make_result()
    visit = Visit(
        url=result.start_url,
        final_url=result.start_url,
        depth=0,
        phase="no-interaction",
        started_at="t",
        duration_ms=1.0,
        errors=tuple(errors),
    )
    return dataclasses.replace(result, phases=(PhaseResult("no-interaction", (visit,)),))


def test_describe_fails_a_site_whose_start_page_never_loaded():
    assert describe("a", make_result()).status == "ok"
    assert describe("a", _result_with_start([PageError("dialog", "alert")])).status == "page-errors"
    failed = describe("a", _result_with_start([PageError("unreachable", "ERR_NAME")]))
    assert failed.status == "failed" and "unreachable: ERR_NAME" in failed.reason


def test_summary_counts_and_failures(tmp_path):
    jobs = [Job(n, {"url": f"https://{n}/"}) for n in ("a", "b", "c")]
    outcomes = {
        "a": {"name": "a", "url": "https://a/", "status": "ok", "reason": ""},
        "b": {
            "name": "b",
            "url": "https://b/",
            "status": "failed",
            "reason": "boom",
            "log": "b.log",
        },
        "c": {"name": "c", "url": "https://c/", "status": "skipped", "reason": ""},
    }
    summary = summarise(jobs, outcomes, tmp_path, 30.0)
    assert (summary["ok"], summary["failed"], summary["skipped"]) == (1, 1, 1)
    assert summary["sites_per_minute"] == 4.0  # two sites ran in 30 s
    assert summary["failures"] == [
        {"name": "b", "url": "https://b/", "reason": "boom", "log": "b.log"}
    ]
    assert json.loads((tmp_path / "batch-summary.json").read_text()) == summary
    assert paths(tmp_path, "a")["journal"].name == "a.json.partial.jsonl"

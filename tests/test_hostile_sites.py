"""Careless sites files for a batch (issue 11 part 8): URLs made canonical, a site listed
twice scanned once, options that make a duplicate, a long file parsed in linear time, and a
batch, end to end, of one site listed three ways."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from scanner.fleet.sites import BatchError, canonical_url, load_sites

URL = "https://www.example.com/"


# -- sites files: canonical, deduplicated, fast --------------------------------------------------


@pytest.mark.parametrize(
    "given, canonical",
    [
        ("HTTP://Example.COM", "http://example.com/"),
        ("http://example.com:80/a#top", "http://example.com/a"),
        ("https://example.com:443", "https://example.com/"),
        ("https://example.com:8443/", "https://example.com:8443/"),
        ("www.example.com/shop", "https://www.example.com/shop"),
        ("https://münchen.test/", "https://xn--mnchen-3ya.test/"),
        ("https://xn--mnchen-3ya.test/", "https://xn--mnchen-3ya.test/"),
        ("https://例え.テスト/ä?q=ü", "https://xn--r8jz45g.xn--zckzah/%C3%A4?q=%C3%BC"),
        ("http://[::1]:8080/", "http://[::1]:8080/"),
        ("https://www.example.com./", "https://www.example.com/"),
    ],
)
def test_canonical_urls(given, canonical):
    assert canonical_url(given) == canonical
    assert canonical_url(canonical) == canonical


def test_a_site_listed_twice_is_scanned_once_with_a_warning(tmp_path):
    sites = tmp_path / "sites.txt"
    sites.write_text(
        "HTTP://Example.com/\nhttp://example.com\nhttp://EXAMPLE.com:80/#top\n"
        "https://www.example.org/?b=2&a=1\nhttps://www.example.org/?a=1&b=2\n"
        "https://münchen.test/\nhttps://xn--mnchen-3ya.test\nhttps://example.com/\n",
        encoding="utf-8",
    )
    warnings: list[str] = []
    jobs = load_sites(sites, warn=warnings.append)
    assert [j.config["url"] for j in jobs] == [
        "http://example.com/",
        "https://www.example.org/?b=2&a=1",  # scanned as given; only the key sorts the query
        "https://xn--mnchen-3ya.test/",
        "https://example.com/",  # https is another site than http
    ]
    assert [j.name for j in jobs] == ["example.com", "www.example.org", "xn--mnchen-3ya.test",
                                      "example.com-2"]  # fmt: skip
    (line,) = warnings
    assert "4 duplicate site(s) dropped" in line and "\n" not in line


def test_duplicates_are_logged_when_no_one_listens(tmp_path, caplog):
    sites = tmp_path / "sites.txt"
    sites.write_text("https://www.example.com/\nHTTPS://WWW.EXAMPLE.COM\n")
    with caplog.at_level(logging.WARNING, logger="cookiescan.sites"):
        assert len(load_sites(sites)) == 1
    assert "1 duplicate site(s) dropped" in caplog.text


def test_toml_sites_are_duplicates_only_with_the_same_options(tmp_path):
    sites = tmp_path / "sites.toml"
    sites.write_text(
        '[[site]]\nurl = "https://www.example.com/"\nmax_pages = 5\n'
        '[[site]]\nurl = "HTTPS://www.example.com:443"\nmax_pages = 5\n'
        '[[site]]\nurl = "https://www.example.com"\nmax_pages = 6\n'
        '[[site]]\nurl = "file:///etc/passwd"\n'
    )
    with pytest.raises(BatchError, match=r"site 4 \(file:///etc/passwd\): unsupported URL"):
        load_sites(sites)
    sites.write_text(sites.read_text().rsplit("[[site]]", 1)[0])
    warnings: list[str] = []
    jobs = load_sites(sites, warn=warnings.append)
    assert [j.config["max_pages"] for j in jobs] == [5, 6] and len(warnings) == 1


def test_a_long_sites_file_parses_in_linear_time(tmp_path):
    # 200,000 lines took 219 s: names of one host were made unique by probing name-2, name-3…
    # from 2 each time (quadratic), and every line built and dumped a config of its own.
    lines = 50_000
    sites = tmp_path / "sites.txt"
    sites.write_text("".join(f"https://www.example.com/?p={i}\n" for i in range(lines)))
    started = time.process_time()
    jobs = load_sites(sites)
    seconds = time.process_time() - started
    assert len(jobs) == lines and jobs[-1].name == f"www.example.com-{lines}"
    assert len({j.name for j in jobs}) == lines
    jobs[0].config["first_party"].append("x")  # no two jobs share a list
    assert jobs[1].config["first_party"] == []
    assert seconds < 25, seconds  # about 1 s; the quadratic version took minutes


# -- the batch, end to end ---------------------------------------------------------------------


@pytest.mark.browser
def test_a_batch_scans_a_site_listed_three_ways_once(tmp_path):
    from scanner.demo.localweb import LocalWeb

    sites = tmp_path / "sites.txt"
    sites.write_text("HTTPS://WWW.Example.com/\nhttps://www.example.com\n"
                     "https://www.example.com:443/#top\n")  # fmt: skip
    out = tmp_path / "out"
    with LocalWeb() as web:
        args = [str(sites), "-d", str(out), "--no-history", "--dwell", "0.5",
                "--phases", "no-interaction", "--max-pages", "1", "--no-sitemap",
                "--ignore-https-errors", "--idle-timeout", "1"]  # fmt: skip
        for flag in web.browser_args():
            args += ["--browser-arg", flag]
        code = "from scanner.cli.batch import batch; batch()"
        env = {**os.environ, "PYTHONPATH": str(Path(__file__).parent.parent)}
        done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True,
                              text=True, timeout=240, env=env)  # fmt: skip
    assert done.returncode == 0, done.stderr
    results = {p.name for p in out.glob("*.json")} - {"batch-summary.json"}
    assert results == {"www.example.com.json"}
    assert "2 duplicate site(s) dropped" in done.stderr
    summary = json.loads(done.stdout)
    assert [o["url"] for o in summary["outcomes"]] == [URL]

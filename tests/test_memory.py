"""Memory flat in pages (issue 15 part 4): a finished page waits in the journal, not in memory.

The collector keeps each finished visit only in the journal (a temporary one when the caller
gave none) and the pipeline reads the visits back, in crawl order, to build the result. These
tests count live objects, never time: during the crawl no more visits are alive than pages in
flight, and at the end the result holds each visit once and nothing else holds one.
"""

from __future__ import annotations

import gc
import os
import tempfile
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from benchmarks.bench import HOST, bench_web
from scanner import ScanConfig, scan
from scanner.collect.journal import Journal, JournalReader, load_journal
from scanner.collect.phases import PhaseRunner
from scanner.model import Visit

PAGES = 30
IN_FLIGHT = 3


def live(kind: type) -> int:
    """Objects of ``kind`` alive now (after a full collection)."""
    gc.collect()
    return sum(1 for o in gc.get_objects() if type(o) is kind)


def live_observations() -> int:
    """Objects of the result model alive now (visits, requests, cookies, storage items…)."""
    gc.collect()
    return sum(1 for o in gc.get_objects() if str(type(o).__module__).startswith("scanner.model"))


def config_for(web, **options) -> ScanConfig:
    """A no-interaction crawl of the generated bench site (pages ``/p/<n>``, ten third-party
    resources each), no dwell."""
    return ScanConfig(
        url=f"https://{HOST}/p/0",
        phases=("no-interaction",),
        max_pages=PAGES,
        max_depth=64,
        max_pages_per_pattern=10**9,
        use_sitemap=False,
        concurrency=IN_FLIGHT,
        dwell=0.0,
        idle_timeout=2.0,
        **web.scan_options(),
        **options,
    )


@pytest.fixture(scope="module")
def site():
    with bench_web(PAGES + 10) as web:
        yield web


def spool_files(folder: Path) -> set[str]:
    """Files in ``folder`` this process holds open (a spool journal has no name there)."""
    found = set()
    for fd in Path("/proc/self/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith(str(folder)):
            found.add(target)
    return found


class Counter:
    """A progress callback that counts the visits alive after each finished page."""

    def __init__(self, spool: Path) -> None:
        self.alive: list[int] = []
        self.observations: list[int] = []
        self.spool, self.spooled = spool, set[str]()
        # What other tests of this process keep alive (a session fixture's result) is not
        # this scan's: counted once before, and taken off every count.
        self.base_visits, self.base_observations = live(Visit), live_observations()

    def __call__(self, event: object) -> None:
        if getattr(event, "kind", None) == "page":
            self.alive.append(live(Visit) - self.base_visits)
            self.observations.append(live_observations() - self.base_observations)
            self.spooled.update(spool_files(self.spool))


@pytest.mark.browser
@pytest.mark.timeout(300)
@pytest.mark.parametrize("with_journal", [False, True])
def test_visits_wait_in_the_journal_not_in_memory(site, tmp_path, monkeypatch, with_journal):
    journal = tmp_path / "scan.partial.jsonl" if with_journal else None
    spool = tmp_path / "tmp"  # the temporary folder, for this test alone
    spool.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(spool))
    counter = Counter(spool)
    result = scan(config_for(site), progress=counter, journal=journal)
    visits = result.phases[0].visits
    assert len(visits) == PAGES and len(counter.alive) == PAGES
    # Kept in memory, the visits alive would grow with the pages done (1, 2, … 30); from the
    # journal, only the pages in flight (each worker's page, finished or not yet written).
    assert max(counter.alive) <= IN_FLIGHT + 2, counter.alive
    # Nor what they hold (a page here: 11 requests, a few cookies): kept, these grow by about
    # 20 a page (600 at the end); not kept, they stay within the pages in flight.
    per_page = max(1 + len(v.requests) + len(v.cookies) + len(v.storage) for v in visits)
    assert max(counter.observations) <= (IN_FLIGHT + 1) * 2 * per_page, counter.observations
    # Crawl order, as before: the start page first, then breadth-first by link order.
    assert visits[0].url == f"https://{HOST}/p/0"
    assert len({v.url for v in visits}) == PAGES  # which 30 depends on which finish first
    # (Depths need not be sorted: with pages in flight, a deep page's links can be queued
    # before a late page of the level above finishes.)
    assert all(v.depth >= 1 for v in visits[1:])
    assert all(v.requests for v in visits)
    # One copy of each visit: the result's, and nothing else holds one.
    assert live(Visit) - counter.base_visits <= PAGES  # (a leftover of another test may go)
    if with_journal:  # the caller's journal stays (in the order pages finished)
        kept = load_journal(journal).phases[0].visits
        assert sorted(kept, key=url_of) == sorted(visits, key=url_of)
        assert not counter.spooled
    else:  # a temporary journal held the pages, and is gone, name and all
        assert len(counter.spooled) == 1, counter.spooled
        assert not spool_files(spool) and not list(spool.iterdir())


def url_of(visit: Visit) -> str:
    return visit.url


def full_disk() -> Any:
    """A file whose every flush fails with ENOSPC, as on a full disk."""
    return Path("/dev/full").open("wb")


def make_visit(n: int) -> Visit:
    return Visit(
        url=f"https://www.example.com/{n}",
        final_url=f"https://www.example.com/{n}",
        depth=n % 3,
        phase="no-interaction",
        started_at="2026-12-01T00:00:00.000+00:00",
        duration_ms=12.5,
        title=f"page {n}",
    )


def test_reader_reads_visits_back_by_offset(tmp_path):
    journal = Journal(tmp_path / "j.jsonl")
    offsets = []
    for n in range(5):
        offsets.append(journal.size)
        journal.visit(make_visit(n))
    journal.close()
    with JournalReader(journal.path) as reader:
        assert [reader.visit(o) for o in reversed(offsets)] == [
            make_visit(n) for n in reversed(range(5))
        ]
        with pytest.raises(ValueError):
            reader.visit(offsets[1] + 1)  # the middle of a record


def test_runner_keeps_offsets_and_holds_a_visit_only_when_the_spool_fails(tmp_path):
    real = (tmp_path / "j.jsonl").open("w+b")
    journal = Journal(tmp_path / "j.jsonl", spool=real)
    runner = SimpleNamespace(journal=journal, kept=[])
    for n in (2, 0, 1):
        PhaseRunner._keep(runner, n, make_visit(n))
    assert all(isinstance(k.where, int) for k in runner.kept)
    # A spool journal on a full disk stops writing and the runner keeps the visit itself.
    real.write(b"x" * 10)  # bytes a full disk left in the buffer, never written
    journal._file = full_disk()
    PhaseRunner._keep(runner, 3, make_visit(3))
    assert journal.lost and isinstance(runner.kept[-1].where, Visit)
    journal.discard()  # its last flush fails too, and raises nothing
    journal._file = real
    journal.close()
    with journal.reader() as reader:  # reads past the unwritten buffer
        visits = list(PhaseRunner.visits(runner, reader))
    real.seek(0, 2)  # the buffer goes now
    journal.discard()
    assert visits == [make_visit(n) for n in range(4)]
    assert PhaseRunner.pages(runner) == [(v.url, v.depth) for v in visits]


def test_a_callers_journal_that_cannot_be_written_raises(tmp_path):
    journal = Journal(tmp_path / "j.jsonl")
    journal._file.close()
    journal._file = full_disk()
    with pytest.raises(OSError):
        journal.visit(make_visit(0))
    assert not journal.lost
    with pytest.raises(OSError):
        journal.close()

"""``make bench``: cookiescan's speed and memory against a bare Playwright loop, in one run.

A generated site (``bench.example.com``: pages ``/p/<n>``, each linking to two more and loading
ten third-party resources from five tracker hosts, three of which set cookies) is served by the
local web. Printed, all measured in this one run on this machine:

- pages/s of cookiescan's ``no-interaction`` phase, and of a bare Playwright loop making the
  same navigations with the same wait policy and concurrency while recording nothing, and
  their ratio (the claim: >= 0.9); the same without the instrumentation of issue 12
  (``ab.py``: the fingerprinting init script, the isolated-world reader, the identifier
  search), and what that instrumentation costs per page;
- peak memory (PSS) of the whole process tree, browser included, at 200 and 1,000 pages;
- pages/s at 1, 2, 4 and 8 pages in flight;
- the default-settings ratio: pages/s of cookiescan at its default wait policy (one phase,
  default concurrency, dwell and idle timeout, virtual clock) over pages/s of the bare loop
  waiting for ``load`` and network quiet with no dwell, same URLs, same concurrency (the
  claim: >= 0.5); the same with ``clock="real"`` (the dwell waited in wall-clock time);
- the wall time of a default three-phase scan of the site's first 20 pages;
- the signature matcher's microseconds per lookup.

Ratios, not absolute times, are the claim: these machines are shared and noisy.

Long mode (``--long``) measures only memory, at 1,000 and 5,000 pages: the peak of the whole
process tree while the crawl runs and over the whole scan (the result built and matched), the
peak of Python alone, and the size of the result. ``--ab`` runs only the plain ratio and its
A/B.

Usage: ``python -m benchmarks.bench [--quick] [--long | --ab]``
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from benchmarks.memory import PeakMemory, tree_memory  # noqa: F401 - tree_memory: tests
from scanner.config import ScanConfig
from scanner.demo.localweb import LocalWeb, Reply

HOST = "bench.example.com"
TRACKERS = [f"t{i}.example.net" for i in range(1, 6)]
T = TypeVar("T")


def bench_route(pages: int) -> Callable[[str, str], Reply | None]:
    """Answer ``/p/<n>`` pages of a site of ``pages`` pages (a binary tree of links)."""

    def route(target: str, method: str) -> Reply | None:
        path = target.split("?")[0]
        if path in ("/", "/p/0"):
            n = 0
        elif path.startswith("/p/") and path[3:].isdigit():
            n = int(path[3:])
        else:
            return None
        if n >= pages:
            return Reply(404, b"no such page")
        links = "".join(f'<a href="/p/{c}">page {c}</a> ' for c in (2 * n + 1, 2 * n + 2))
        resources = []
        for i in range(10):
            host = TRACKERS[i % len(TRACKERS)]
            if i % 2:
                resources.append(f'<img src="https://{host}/px/{n}-{i}.gif" width=1 height=1>')
            else:
                resources.append(f'<script src="https://{host}/s/{i}.js"></script>')
        body = (
            f"<!doctype html><html><head><title>Bench page {n}</title>"
            f'<link rel="icon" href="data:,"></head><body><h1>Page {n}</h1>{links}'
            f"{''.join(resources)}<script>document.cookie='seen_{n % 3}=1; max-age=86400';"
            "</script></body></html>"
        )
        return Reply(200, body.encode(), [("Content-Type", "text/html; charset=utf-8")])

    return route


def tracker_route(index: int) -> Callable[[str, str], Reply | None]:
    """Tracker hosts: scripts and pixels; the first three also set a cookie."""

    def route(target: str, method: str) -> Reply | None:
        headers = [("Access-Control-Allow-Origin", "*")]
        if index < 3:
            headers.append(("Set-Cookie", f"uid{index}=x; Max-Age=31536000; Secure; SameSite=None"))
        if "/s/" in target:
            return Reply(200, b"void 0;", [*headers, ("Content-Type", "text/javascript")])
        return Reply(200, b"GIF89a", [*headers, ("Content-Type", "image/gif")])

    return route


def bench_web(pages: int) -> LocalWeb:
    routes = {HOST: bench_route(pages)}
    routes.update({host: tracker_route(i) for i, host in enumerate(TRACKERS)})
    return LocalWeb(roots=[], routes=routes)


# -- the two contestants -------------------------------------------------------------------
def config_for(web: LocalWeb, pages: int, concurrency: int) -> ScanConfig:
    """The benchmark's wait policy: ``load``, then network quiet (cap 5 s), no extra dwell."""
    return ScanConfig(
        url=f"https://{HOST}/p/0",
        phases=("no-interaction",),
        max_pages=pages,
        max_depth=64,
        max_pages_per_pattern=10**9,
        use_sitemap=False,
        concurrency=concurrency,
        dwell=0.0,
        idle_timeout=5.0,
        **web.scan_options(),
    )


def run_cookiescan(config: ScanConfig) -> tuple[float, int, list[str]]:
    """(seconds, pages, visited URLs) for one no-interaction crawl."""
    from scanner import scan

    started = time.perf_counter()
    result = scan(config)
    elapsed = time.perf_counter() - started
    visits = result.phases[0].visits
    return elapsed, len(visits), [v.url for v in visits]


def run_scan_result(config: ScanConfig) -> int:
    """Run a scan of every phase in ``config``; the pages of its first phase."""
    from scanner import scan

    return len(scan(config).phases[0].visits)


async def _bare(config: ScanConfig, urls: list[str]) -> float:
    from playwright.async_api import async_playwright

    from scanner.collect.browser import BASE_ARGS, find_browser
    from scanner.collect.phases import default_concurrency

    concurrency = config.concurrency or default_concurrency()
    async with async_playwright() as pw:
        started = time.perf_counter()
        args = [*BASE_ARGS, *config.browser_args, "--no-sandbox"]
        browser = await pw.chromium.launch(executable_path=find_browser(), args=args)
        context = await browser.new_context(ignore_https_errors=True)
        queue: asyncio.Queue[str] = asyncio.Queue()
        for url in urls:
            queue.put_nowait(url)

        async def worker() -> None:
            while not queue.empty():
                url = queue.get_nowait()
                page = await context.new_page()
                try:
                    await page.goto(url, wait_until="load")
                    try:
                        await page.wait_for_load_state("networkidle", timeout=5000)
                    except Exception:  # noqa: BLE001
                        pass
                finally:
                    await page.close()

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        await browser.close()
        return time.perf_counter() - started


def run_bare(config: ScanConfig, urls: list[str]) -> float:
    """Seconds for a bare Playwright loop over ``urls`` (records nothing): ``load``, then
    network quiet (cap 5 s), never a dwell, ``config.concurrency`` pages at once (0: the
    scanner's default)."""
    return asyncio.run(_bare(config, urls))


def default_config(web: LocalWeb, pages: int, **changes: Any) -> ScanConfig:
    """The scan a user runs, one phase: default waits (dwell, idle timeout, clock) and
    default concurrency; ``changes`` on top."""
    defaults = ScanConfig(url="")
    waits = {"dwell": defaults.dwell, "idle_timeout": defaults.idle_timeout}
    return config_for(web, pages, defaults.concurrency).replace(
        **{**waits, "clock": defaults.clock, **changes}
    )


def three_phase_config(web: LocalWeb, pages: int) -> ScanConfig:
    """A default scan of the bench site (all three phases), its first ``pages`` pages (depth
    and URL-shape limits lifted: every page of the site has the same shape)."""
    return ScanConfig(
        url=f"https://{HOST}/p/0",
        max_pages=pages,
        max_depth=64,
        max_pages_per_pattern=10**9,
        **web.scan_options(),
    )


def measure(fn: Callable[[], T]) -> tuple[T, int]:
    with PeakMemory() as memory:
        value = fn()
    return value, memory.peak


Say = Callable[[str, Any], None]


def plain_ratio(web: LocalWeb, pages: int, concurrency: int, say: Say) -> tuple[int, int]:
    """The plain ratio (no dwell), and the same without issue 12's instrumentation (the A/B
    switch, ``ab.py``); interleaved, best of two each. Returns (peak memory, pages)."""
    from benchmarks.ab import instrumentation_off

    def without() -> float:
        with instrumentation_off():
            secs, pages_off, _ = run_cookiescan(config)
        if pages_off != count:
            say("warning: pages without #12 instrumentation", f"{pages_off} (not {count})")
        return secs

    config = config_for(web, pages, concurrency)
    # Interleaved, best of two each: the machine is shared and noisy.
    (ours, count, urls), mem = measure(lambda: run_cookiescan(config))
    bare, mem_bare = measure(lambda: run_bare(config, urls))
    off = without()
    ours = min(ours, run_cookiescan(config)[0])
    bare = min(bare, run_bare(config, urls))
    off = min(off, without())
    say(f"cookiescan, {count} pages (pages/s)", f"{count / ours:.2f}")
    say(f"bare Playwright loop, same {len(urls)} URLs (pages/s)", f"{len(urls) / bare:.2f}")
    say("ratio cookiescan / bare (goal >= 0.9)", f"{bare / ours:.2f}")
    say(f"cookiescan without #12 instrumentation, {count} pages (pages/s)", f"{count / off:.2f}")
    say("ratio without #12 instrumentation / bare", f"{bare / off:.2f}")
    say(
        f"#12 instrumentation cost (wall ms per page, {concurrency} in flight)",
        f"{(ours - off) / count * 1000:.1f}",
    )
    say(f"peak memory, cookiescan, {count} pages (MiB)", f"{mem / 2**20:.0f}")
    say(f"peak memory, bare loop, {len(urls)} pages (MiB)", f"{mem_bare / 2**20:.0f}")
    return mem, count


def long_memory(web: LocalWeb, sizes: tuple[int, ...], concurrency: int, say: Say) -> None:
    """Long mode: peak memory of whole no-interaction scans of each size, during the crawl
    and over the whole scan (the result built and matched), browser included."""
    from scanner import scan

    crawl: list[int] = []
    for pages in sizes:
        memory = PeakMemory(pages)
        with memory:
            started = time.perf_counter()
            config = config_for(web, pages, concurrency).replace(time_budget=0)  # every page
            result = scan(config, progress=memory.crawl_progress)
            secs = time.perf_counter() - started
        count = len(result.phases[0].visits)
        size = len(json.dumps(result.to_dict()))
        del result
        gc.collect()
        crawl.append(memory.crawl_peak)
        say(f"long mode, {count} pages (pages/s)", f"{count / secs:.2f}")
        say(
            f"  peak memory during the crawl, {count} pages (MiB)",
            f"{memory.crawl_peak / 2**20:.0f}",
        )
        say(f"  peak memory, whole scan, {count} pages (MiB)", f"{memory.peak / 2**20:.0f}")
        say(f"  peak of Python alone, {count} pages (MiB)", f"{memory.python_peak / 2**20:.0f}")
        say(f"  the result as JSON, {count} pages (MiB)", f"{size / 2**20:.1f}")
    say(
        f"crawl memory growth {sizes[0]} -> {sizes[-1]} pages (ratio, flat = 1.0)",
        f"{crawl[-1] / max(crawl[0], 1):.2f}",
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sites (a smoke run)")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument(
        "--long", action="store_true", help="only memory at 1,000 and 5,000 pages (long mode)"
    )
    parser.add_argument(
        "--sizes", type=int, nargs="+", help="long mode: these page counts (default 1000 5000)"
    )
    parser.add_argument(
        "--ab", action="store_true", help="only the plain ratio, with and without instrumentation"
    )
    parser.add_argument(
        "--ocd",
        default=str(
            Path(__file__).parent.parent.parent
            / "shared/data/open-cookie-database"
            / "open-cookie-database.csv"
        ),
        help="Open Cookie Database CSV to add to the matcher (skipped when absent)",
    )
    args = parser.parse_args(argv)
    small, large, sweep, hundred = (40, 100, 20, 20) if args.quick else (200, 1000, 60, 100)
    out: list[tuple[str, Any]] = []

    def say(label: str, value: Any) -> None:
        out.append((label, value))
        print(f"{label:<58} {value}", flush=True)

    print(f"cookiescan bench: {os.cpu_count()} cores, pages in flight {args.concurrency}\n")
    if args.long:
        sizes = tuple(args.sizes or ((100, 500) if args.quick else (1000, 5000)))
        with bench_web(max(sizes) + 10) as web:
            long_memory(web, sizes, args.concurrency, say)
        return
    with bench_web(large + 10) as web:
        mem_small, pages = plain_ratio(web, small, args.concurrency, say)
        if args.ab:
            return
        big = config_for(web, large, args.concurrency)
        (secs, pages_big, _), mem_big = measure(lambda: run_cookiescan(big))
        say(
            f"peak memory, cookiescan, {pages_big} pages (MiB, goal < 1024)",
            f"{mem_big / 2**20:.0f}",
        )
        say(f"cookiescan, {pages_big} pages (pages/s)", f"{pages_big / secs:.2f}")
        say(
            "memory growth 200 -> 1000 pages (ratio, flat = 1.0)",
            f"{mem_big / max(mem_small, 1):.2f}",
        )
        for n in (1, 2, 4, 8):
            secs, count, _ = run_cookiescan(config_for(web, sweep, n))
            say(
                f"cookiescan pages/s at {n} page(s) in flight ({count} pages)",
                f"{count / secs:.2f}",
            )
        # The scan a user runs: default waits (a 3.5 s dwell of page time on the virtual
        # clock, network quiet), default concurrency, one phase; against the bare loop that
        # waits for the network and no dwell at all. Interleaved, best of two.
        typical = default_config(web, hundred)
        (secs, count, urls), mem = measure(lambda: run_cookiescan(typical))
        bare = run_bare(typical, urls)
        secs = min(secs, run_cookiescan(typical)[0])
        bare = min(bare, run_bare(typical, urls))
        say(
            f"cookiescan, {count} pages, default waits and concurrency (pages/s)",
            f"{count / secs:.2f}",
        )
        say(f"bare loop, same {len(urls)} URLs, no dwell (pages/s)", f"{len(urls) / bare:.2f}")
        print(f"default-settings ratio: {bare / secs:.2f}   (goal >= 0.5)", flush=True)
        say("peak memory, that scan (MiB)", f"{mem / 2**20:.0f}")
        real, count_real, _ = run_cookiescan(default_config(web, hundred, clock="real"))
        say(
            f"cookiescan, {count_real} pages, default waits, --clock real (pages/s)",
            f"{count_real / real:.2f}",
        )
        say("default-settings ratio, --clock real", f"{bare / real:.2f}")
        for clock in ("virtual", "real"):
            started = time.perf_counter()
            three = run_scan_result(three_phase_config(web, 20).replace(clock=clock))
            say(
                f"default three-phase scan, first {three} pages, {clock} clock (wall s)",
                f"{time.perf_counter() - started:.1f}",
            )
    from benchmarks.signatures_bench import run_bench

    ocd = args.ocd if args.ocd and Path(args.ocd).is_file() else None
    figures = run_bench(ocd)
    label = "whole database" + (" + Open Cookie Database" if ocd else "")
    say(f"matcher µs per host lookup ({label})", figures["us_per_host_lookup"])
    say(f"matcher µs per URL ({label})", figures["us_per_url"])
    say(f"matcher µs per cookie ({label})", figures["us_per_cookie"])
    for row in figures["synthetic"]:
        say(
            f"matcher µs per host lookup, {row['host_patterns']} host patterns",
            row["us_per_host_lookup"],
        )


if __name__ == "__main__":
    main()

"""The benchmark's pieces (the benchmark itself is `make bench`, never a timed test)."""

from __future__ import annotations

import os

from benchmarks.bench import bench_route, tracker_route, tree_memory


def test_generated_site_is_a_tree_of_pages_with_trackers():
    route = bench_route(10)
    page = route("/p/3", "GET").body.decode()
    assert 'href="/p/7"' in page and 'href="/p/8"' in page
    assert page.count("example.net/") == 10
    assert route("/p/10", "GET").status == 404
    assert route("/favicon.ico", "GET") is None
    assert any(h == "Set-Cookie" for h, _ in tracker_route(0)("/px/1.gif", "GET").headers)
    assert not any(h == "Set-Cookie" for h, _ in tracker_route(4)("/px/1.gif", "GET").headers)


def test_tree_memory_counts_this_process():
    assert tree_memory(os.getpid()) > 1_000_000


def test_bench_measures_the_no_interaction_phase_only():
    # The bare loop visits each page once: cookiescan must too, or the ratio lies.
    from benchmarks.bench import bench_web, config_for

    assert config_for(bench_web(10), 10, 4).phases == ("no-interaction",)


def test_default_settings_are_the_scanners_defaults_in_one_phase():
    # The default-settings ratio compares the scan a user runs (one phase) with a bare loop.
    from benchmarks.bench import bench_web, default_config, three_phase_config
    from scanner.config import ScanConfig

    defaults = ScanConfig(url="")
    config = default_config(bench_web(10), 10)
    assert config.phases == ("no-interaction",)
    assert (config.dwell, config.idle_timeout, config.clock, config.concurrency) == (
        defaults.dwell,
        defaults.idle_timeout,
        defaults.clock,
        defaults.concurrency,
    )
    assert default_config(bench_web(10), 10, clock="real").clock == "real"
    three = three_phase_config(bench_web(10), 20)
    assert three.phases == defaults.phases and three.max_pages == 20
    assert (three.dwell, three.clock) == (defaults.dwell, defaults.clock)

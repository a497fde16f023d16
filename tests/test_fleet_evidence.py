# ruff: noqa: F811 - the fixtures imported from servers are redefined as arguments
"""Evidence packs of a batch and of queued workers (#16), and a queued batch's progress (#14):
one sealed pack per site in DIR/NAME, a killed attempt's half pack cleared, a sealed pack never
overwritten, the signing key kept on the worker, and the same progress events as a local batch.
"""

from __future__ import annotations

import base64
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from servers import redis_url  # noqa: F401 - fixture
from test_queue import Workers

from scanner.cli.batch import batch
from scanner.cli.evidence import verify_command
from scanner.cli.progress import Bars, progress_display
from scanner.demo.localweb import LocalWeb, Reply
from scanner.errors import ConfigError
from scanner.evidence import EvidencePack, generate_keys, seal, verify
from scanner.fleet import batchstate, history, packs, queue
from scanner.fleet.batch import Outcome
from scanner.fleet.sites import Job

SITES = ["ev1.example.net", "ev2.example.net"]
RESULT = {"start_url": "https://ev1.example.net/", "tool_version": "0", "config": {}}


def one_page(path: str, _method: str) -> Reply:
    body = f"<html><head><title>{path}</title></head><body>one page</body></html>"
    return Reply(200, body.encode(), [("Content-Type", "text/html")])


@pytest.fixture(scope="module")
def web():
    with LocalWeb(routes={host: one_page for host in SITES}) as web:
        yield web


@pytest.fixture
def keys(tmp_path):
    return generate_keys(tmp_path / "ev.key")


@pytest.fixture(autouse=True)
def _fresh_engines():
    yield
    history.dispose()


def scan_args(web) -> list[str]:
    """One phase, one page, a short dwell: the least a scan can be."""
    args = ["--dwell", "0.3", "--idle-timeout", "1", "--concurrency", "1", "--no-sitemap"]
    args += ["--phases", "no-interaction", "--max-pages", "1", "--ignore-https-errors"]
    for flag in web.browser_args():
        args += ["--browser-arg", flag]
    return args


def sites_file(tmp_path: Path) -> Path:
    path = tmp_path / "sites.txt"
    path.write_text("".join(f"https://{host}/\n" for host in SITES))
    return path


def half_pack(folder: Path) -> None:
    """What a scan killed before its seal leaves: a pack's folders, a HAR, no manifest."""
    EvidencePack.prepare(folder)
    (folder / "har" / "no-interaction.har").write_text('{"log": {"entries": []}}')


def sealed_pack(folder: Path, key: Path | None = None) -> None:
    half_pack(folder)
    (folder / "result.json").write_text(json.dumps(RESULT))
    seal(folder, RESULT, key)


# -- which folder an attempt writes ----------------------------------------------------------


def test_an_attempt_clears_a_half_pack_and_never_touches_a_sealed_one(tmp_path):
    site = tmp_path / "packs" / "www.example.com"
    assert packs.attempt_folder(site) == site and not site.exists()  # a fresh folder
    half_pack(site)
    assert packs.attempt_folder(site) == site and list(site.iterdir()) == []  # cleared
    sealed_pack(site)
    before = (site / "manifest.json").read_bytes()
    second = packs.attempt_folder(site)
    assert second == site.with_name("www.example.com~2")
    half_pack(second)
    assert packs.attempt_folder(site) == second and list(second.iterdir()) == []
    assert (site / "manifest.json").read_bytes() == before and verify(site).intact
    sealed_pack(second)
    assert packs.latest(site) == second
    # A folder holding anything but a pack's own files is left alone: the next one is taken.
    third = site.with_name("www.example.com~3")
    third.mkdir()
    (third / "notes.txt").write_text("mine")
    assert packs.attempt_folder(site) == site.with_name("www.example.com~4")
    assert (third / "notes.txt").read_text() == "mine"


def test_a_site_pack_is_named_after_the_site_and_only_a_safe_name(tmp_path):
    job = Job("ev1.example.net", {"url": "https://ev1.example.net/", "evidence_dir": "p"})
    assert packs.with_site_pack(job).config["evidence_dir"] == str(Path("p") / job.name)
    absolute = packs.with_site_pack(job, absolute=True).config["evidence_dir"]
    assert absolute == str(Path.cwd() / "p" / job.name)
    assert packs.with_site_pack(Job("x", {"url": "https://x/"})).config == {"url": "https://x/"}
    for name in ("../etc", "a/b", ".hidden", ""):
        with pytest.raises(ConfigError, match="not a safe name"):
            packs.site_pack(tmp_path, name)


def test_verify_checks_every_pack_of_a_batch_folder(tmp_path, keys):
    root = tmp_path / "packs"
    for name in ("a.example.com", "b.example.com"):
        sealed_pack(root / name, keys[0])
    half_pack(root / "c.example.com")
    runner = CliRunner()
    ok = runner.invoke(verify_command, [str(root), "--key", str(keys[1])])
    assert ok.exit_code == 0, ok.output
    assert "a.example.com: intact: 2 file(s), signed by" in ok.output
    assert "c.example.com: no manifest" in ok.output and "2 of 2 pack(s) intact" in ok.output
    (root / "b.example.com" / "result.json").write_text("{}")
    bad = runner.invoke(verify_command, [str(root)])
    assert bad.exit_code == 1 and "b.example.com: changed: result.json" in bad.output
    assert "1 of 2 pack(s) intact" in bad.output
    assert runner.invoke(verify_command, [str(tmp_path / "nothing")]).exit_code == 2


def test_a_queued_batch_never_sends_a_signing_key(tmp_path, keys):
    sites = sites_file(tmp_path)
    args = [str(sites), "--queue", "redis://127.0.0.1:1/0", "--db", str(tmp_path / "h.sqlite")]
    args += ["--evidence", str(tmp_path / "packs"), "--evidence-key", str(keys[0])]
    refused = CliRunner().invoke(batch, args)
    assert refused.exit_code == 2 and "cookiescan worker --evidence-key" in refused.output
    assert "Traceback" not in refused.output
    job = Job("a", {"url": "https://a.example.com/", "evidence_key": str(keys[0])})
    with pytest.raises(ConfigError, match="never travels through the queue"):
        queue.enqueue_batch(queue.make_app("redis://127.0.0.1:1/0"), [job])
    bad_key = tmp_path / "bad.key"
    bad_key.write_text("not a key")
    local = CliRunner().invoke(batch, [str(sites), "--evidence-key", str(bad_key)])
    assert local.exit_code == 2 and "not an unencrypted PEM private key" in local.output


def test_a_queued_task_carries_its_absolute_pack_folder(tmp_path, redis_url, monkeypatch):
    import redis

    monkeypatch.chdir(tmp_path)
    db = str(tmp_path / "h.sqlite")
    url = redis_url + "/3"
    args = [str(sites_file(tmp_path)), "--queue", url, "--db", db, "--no-wait"]
    sent = CliRunner().invoke(batch, [*args, "--evidence", "packs"])
    assert sent.exit_code == 0, sent.output
    client = redis.Redis.from_url(url)
    messages = [json.loads(m) for m in client.lrange("celery", 0, -1)]
    client.delete("celery")
    configs = {}
    for message in messages:
        _batch_id, job = json.loads(base64.b64decode(message["body"]))[0]
        configs[job["name"]] = job["config"]
    assert set(configs) == set(SITES)
    for name, config in configs.items():
        assert config["evidence_dir"] == str(tmp_path / "packs" / name)
        assert not config.get("evidence_key")


def test_the_wait_for_the_workers_says_what_they_do(tmp_path):
    """The events of a queued batch, driven by its state in the database: a site taken, given
    back for a retry, then done; drawn as a bar, written as NDJSON, or silenced."""
    db = str(tmp_path / "h.sqlite")
    jobs = [Job(name, {"url": f"https://{name}/"}) for name in SITES]
    batchstate.create(db, "b-1", jobs)
    batchstate.start(db, "b-1", SITES[0])
    events = []

    def workers_move(event) -> None:  # each event moves the workers on, no clock involved
        events.append(event)
        if event.kind == "site-start":
            batchstate.set_status(db, "b-1", SITES[0], "retrying", {"reason": "boom"})
        elif event.kind == "site-retry":
            for name in SITES:
                failed = Outcome(name, f"https://{name}/", "failed", "start page: unreachable")
                batchstate.finish(db, "b-1", name, failed.to_dict(), None)

    summary = queue.wait_batch(db, "b-1", jobs, tmp_path / "out", progress=workers_move, poll=0)
    assert summary["failed"] == 2
    assert [(e.kind, e.fields.get("name")) for e in events] == [
        ("batch", None),
        ("site-start", SITES[0]),
        ("site-retry", SITES[0]),
        ("site", SITES[0]),
        ("site", SITES[1]),
    ]
    assert events[2].fields["errors"] == ["boom"] and events[-1].fields["done"] == 2

    drawn = io.StringIO()
    with Bars(drawn) as bars:
        for event in events:
            bars.update(event)
    assert "2/2" in drawn.getvalue() and "sites" in drawn.getvalue()
    assert "retrying ev1.example.net" in drawn.getvalue()
    for mode, quiet, lines in (("json", False, 5), ("json", True, 0), ("plain", False, 5)):
        stream = io.StringIO()
        with progress_display(mode, quiet=quiet, stream=stream) as progress:
            for event in events:
                progress(event)
        assert len(stream.getvalue().splitlines()) == lines, (mode, quiet)
    ndjson = [json.loads(line) for line in _ndjson(events).splitlines()]
    assert [e["event"] for e in ndjson][:2] == ["batch", "site-start"]


def _ndjson(events) -> str:
    stream = io.StringIO()
    with progress_display("json", stream=stream) as progress:
        for event in events:
            progress(event)
    return stream.getvalue()


# -- real scans --------------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.timeout(240)
def test_a_batch_keeps_a_sealed_pack_per_site_and_resumes_without_overwriting(web, tmp_path, keys):
    root, out = tmp_path / "packs", tmp_path / "out"
    half_pack(root / SITES[0])  # a run killed mid-scan left this
    (root / SITES[0] / "har" / "stale.har").write_text("{}")
    args = [str(sites_file(tmp_path)), "-d", str(out), "--no-history", "--format", "json"]
    args += ["--evidence", str(root), "--evidence-key", str(keys[0]), *scan_args(web)]
    first = CliRunner().invoke(batch, args)
    assert first.exit_code == 0, (first.output, first.exception)
    summary = json.loads(first.stdout)
    assert [o["evidence"] for o in summary["outcomes"]] == [str(root / s) for s in SITES]
    assert f"evidence packs: 2 sealed in {root}" in first.stderr
    for site in SITES:
        report = verify(root / site, keys[1])
        assert report.intact and report.signed, (site, report.problems)
        saved = json.loads((root / site / "result.json").read_text())
        assert saved["start_url"] == f"https://{site}/"
    assert not (root / SITES[0] / "har" / "stale.har").exists()

    sealed_before = (root / SITES[1] / "manifest.json").read_bytes()
    (out / f"{SITES[1]}.json").unlink()  # scan the second site again
    again = CliRunner().invoke(batch, args)
    assert again.exit_code == 0, (again.output, again.exception)
    outcomes = json.loads(again.stdout)["outcomes"]
    assert [(o["status"], o["evidence"]) for o in outcomes] == [
        ("skipped", str(root / SITES[0])),
        ("ok", str(root / f"{SITES[1]}~2")),
    ]
    assert (root / SITES[1] / "manifest.json").read_bytes() == sealed_before
    every = CliRunner().invoke(verify_command, [str(root), "--key", str(keys[1])])
    assert every.exit_code == 0 and "3 of 3 pack(s) intact" in every.output, every.output


class EvidenceWorkers(Workers):
    """``cookiescan worker`` processes that sign evidence packs with their own key."""

    def __init__(self, queue_url: str, db: str, tmp: Path, key: Path) -> None:
        super().__init__(queue_url, db, tmp)
        self.key = key

    def start(self, name: str) -> subprocess.Popen:
        env = dict(os.environ, XDG_DATA_HOME=str(self.tmp / f"data-{name}"))
        args = ["worker", "--queue", self.queue_url, "--db", self.db, "--concurrency", "1"]
        args += ["--evidence-key", str(self.key), "--name", f"{name}@test"]
        with (self.tmp / f"{name}.log").open("ab") as log:
            proc = subprocess.Popen(
                [sys.executable, "-c", "from scanner.cli import main; main()", *args],
                stdout=log,
                stderr=log,
                env=env,
                start_new_session=True,
            )
        self.procs[name] = proc
        return proc


@pytest.mark.browser
@pytest.mark.timeout(300)
def test_queued_workers_write_signed_packs_and_the_wait_streams_ndjson(
    web, tmp_path, keys, redis_url
):
    db = f"sqlite:///{tmp_path / 'history.sqlite'}"
    pool = EvidenceWorkers(redis_url + "/4", db, tmp_path, keys[0])
    try:
        pool.start("w1")
        pool.wait_ready(1)
        root, out = tmp_path / "packs", tmp_path / "out"
        args = [str(sites_file(tmp_path)), "-d", str(out), "--queue", pool.queue_url, "--db", db]
        args += ["--evidence", str(root), "--progress", "json", "--format", "json"]
        result = CliRunner().invoke(batch, [*args, *scan_args(web)])
    finally:
        pool.stop()
    assert result.exit_code == 0, (result.output, (tmp_path / "w1.log").read_text()[-3000:])
    summary = json.loads(result.stdout)
    assert (summary["ok"], summary["failed"]) == (2, 0)
    for outcome, site in zip(summary["outcomes"], SITES, strict=True):
        assert outcome["evidence"] == str(root / site)
        report = verify(root / site, keys[1])  # signed by the worker's key, which never left it
        assert report.intact and report.signed, (site, report.problems)

    events = [json.loads(line) for line in result.stderr.splitlines()]
    kinds = [e["event"] for e in events]
    first = events[kinds.index("batch")]
    assert first["total"] == 2 and first["batch"] == summary["batch"]
    starts = {e["name"] for e in events if e["event"] == "site-start"}
    assert starts <= set(SITES)
    done = [e for e in events if e["event"] == "site"]
    assert [e["done"] for e in done] == [1, 2] and {e["found"] for e in done} == {2}
    assert {e["name"] for e in done} == set(SITES) and {e["status"] for e in done} == {"ok"}
    assert kinds.index("batch") < kinds.index("site")
    assert all(isinstance(e["time"], float) for e in events)

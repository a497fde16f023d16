"""The evidence pack's page screenshots (issue 16, item 1): every page is shot after its dwell,
at most ``--evidence-pages`` per phase; only the pages a finding names keep theirs, listed with
their URL and findings in ``screenshots/pages.json``, which the manifest hashes.

Site: ``tests/sites/shots.example.com/``: the home page and ``tracked.html`` load a Mailjet
pixel before any choice (a finding), ``clean.html`` loads nothing (no finding).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from scanner import ScanConfig
from scanner.cli import cli
from scanner.cli.evidence import verify_command
from scanner.collect.parties import FirstParty
from scanner.collect.phases import PhaseRunner
from scanner.evidence.pack import EvidencePack
from scanner.evidence.pages import INDEX, keep_finding_pages
from scanner.model import Finding

HOME = "https://shots.example.com/"
CLEAN = "https://shots.example.com/clean.html"
TRACKED = "https://shots.example.com/tracked.html"
PAGES = "screenshots/pages/no-interaction"


def _finding(type_: str, pages: tuple[str, ...], phase: str | None = "no-interaction"):
    evidence = tuple({"kind": "request", "page": p, "phase": phase} for p in pages)
    return Finding(type_, "high", phase, {"id": "mailjet"}, pages, evidence)


class _Result:
    def __init__(self, *findings: Finding) -> None:
        self.findings = findings


def _staged(root: Path, phase: str, shots: list[str], unshot: list[str]) -> None:
    folder = root / "screenshots" / "pages" / phase
    folder.mkdir(parents=True)
    for n, _url in enumerate(shots):
        (folder / f"{n}.png").write_bytes(b"\x89PNG fake")
    staged = {
        "phase": phase,
        "shots": [{"n": n, "url": url} for n, url in enumerate(shots)],
        "unshot": [{"url": url, "why": "over the limit of 2 pages per phase"} for url in unshot],
    }
    (folder.parent / f"{phase}.staged.json").write_text(json.dumps(staged))


def test_only_the_pages_a_finding_names_keep_their_screenshot(tmp_path):
    pack = EvidencePack.prepare(tmp_path / "pack")
    _staged(pack.root, "no-interaction", [HOME, CLEAN], [TRACKED])
    _staged(pack.root, "accept-all", [CLEAN], [])
    verdict = Finding("verdict", "info", None, None, (HOME,), ({"kind": "verdict"},))
    result = _Result(_finding("tracking_before_consent", (HOME, TRACKED)), verdict)
    index = json.loads(keep_finding_pages(pack, result, 2).read_text())
    ref = {"index": 0, "type": "tracking_before_consent", "service": "mailjet"}
    assert index["limit"] == 2
    assert index["kept"] == [
        {"phase": "no-interaction", "url": HOME, "file": f"{PAGES}/0.png", "findings": [ref]}
    ]
    assert index["not_shot"] == [
        {"phase": "no-interaction", "url": TRACKED, "findings": [ref],
         "why": "over the limit of 2 pages per phase"}
    ]  # fmt: skip
    left = sorted(p.relative_to(pack.root).as_posix() for p in pack.root.rglob("*"))
    assert left == ["har", "screenshots", "screenshots/pages", INDEX, PAGES, f"{PAGES}/0.png"]


def test_a_finding_of_the_whole_scan_names_its_page_in_the_phases_its_evidence_says(tmp_path):
    pack = EvidencePack.prepare(tmp_path / "pack")
    _staged(pack.root, "accept-all", [HOME, CLEAN], [])
    _staged(pack.root, "reject-all", [HOME, CLEAN], [])  # CLEAN: not in reject-all
    banner = _finding("no_consent_banner", (HOME,), phase=None)  # no phase: every phase
    cookie = Finding("cookie_lifetime_over_13_months", "low", None, None, (CLEAN,),
                     ({"kind": "cookie", "page": CLEAN, "phase": "accept-all"},))  # fmt: skip
    kept = json.loads(keep_finding_pages(pack, _Result(banner, cookie), 50).read_text())["kept"]
    assert [(k["phase"], k["url"], len(k["findings"])) for k in kept] == [
        ("accept-all", HOME, 1), ("accept-all", CLEAN, 1), ("reject-all", HOME, 1)
    ]  # fmt: skip


def test_no_page_is_shot_without_an_evidence_pack(tmp_path):
    # The cost of the feature without --evidence: no PageShots, so visit_page gets no
    # after_dwell step and takes no screenshot.
    def runner(**options):
        config = ScanConfig(url=HOME, **options)
        return PhaseRunner(None, config, FirstParty("shots.example.com"), "no-interaction",
                           None, lambda _m: None)  # fmt: skip

    assert runner().shots is None
    assert runner(evidence_dir=str(tmp_path / "a"), evidence_pages=0).shots is None
    assert runner(evidence_dir=str(tmp_path / "b")).shots.limit == 50
    assert keep_finding_pages(EvidencePack.prepare(tmp_path / "c"), _Result(), 50) is None


@pytest.mark.browser
def test_a_scan_keeps_the_screenshot_of_the_page_with_a_finding(localweb, tmp_path):
    folder = tmp_path / "evidence"
    browser = [f"--browser-arg={a}" for a in localweb.browser_args()] + ["--ignore-https-errors"]
    args = ["--phases", "no-interaction", "--concurrency", "1", "--dwell", "0.5",
            "--idle-timeout", "1", "--no-history", "-o", str(tmp_path / "r.json"),
            "--evidence", str(folder), "--evidence-pages", "2"]  # fmt: skip
    scanned = CliRunner().invoke(cli, ["scan", HOME, *args, *browser])
    assert scanned.exit_code == 0, scanned.output
    result = json.loads((folder / "result.json").read_text())
    visited = [v["url"] for v in result["phases"][0]["visits"]]
    assert visited == [HOME, CLEAN, TRACKED]  # one worker: the crawl order is fixed

    index = json.loads((folder / INDEX).read_text())
    (kept,) = index["kept"]
    assert kept["url"] == HOME and kept["file"] == f"{PAGES}/0.png"
    assert (folder / kept["file"]).read_bytes()[:4] == b"\x89PNG"
    (ref,) = kept["findings"]
    assert result["findings"][ref["index"]]["type"] == ref["type"] == "tracking_before_consent"
    # The clean page was shot (1.png, within the limit of 2), then deleted: no finding names it.
    assert sorted(p.name for p in (folder / PAGES).iterdir()) == ["0.png"]
    assert CLEAN not in json.dumps(index)
    # The third page is over the limit: not shot, and listed, since a finding names it.
    (over,) = index["not_shot"]
    assert over["url"] == TRACKED and over["why"] == "over the limit of 2 pages per phase"

    manifest = json.loads((folder / "manifest.json").read_text())["manifest"]
    listed = {f["path"] for f in manifest["files"]}
    assert {INDEX, f"{PAGES}/0.png"} <= listed
    assert not any(".staged" in p or p.endswith("/1.png") for p in listed)
    assert manifest["config"]["evidence_pages"] == 2

    ok = CliRunner().invoke(verify_command, [str(folder)])
    assert ok.exit_code == 0, ok.output
    shot = folder / PAGES / "0.png"
    data = bytearray(shot.read_bytes())
    data[len(data) // 2] ^= 0x01
    shot.write_bytes(bytes(data))
    broken = CliRunner().invoke(verify_command, [str(folder)])
    assert broken.exit_code == 1
    assert f"changed: {PAGES}/0.png" in broken.output

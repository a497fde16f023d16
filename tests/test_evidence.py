"""The evidence pack (scanner/evidence/, scan --evidence, keygen, verify): what the browser saw,
hashed and signed; any change afterwards is named."""

from __future__ import annotations

import json
import stat

import pytest
from click.testing import CliRunner

from scanner import ScanConfig, scan
from scanner.cli.evidence import keygen, verify_command
from scanner.errors import ConfigError
from scanner.evidence import generate_keys, seal, verify
from scanner.evidence.pack import EvidencePack

RESULT = {
    "start_url": "https://www.example.com/",
    "tool_version": "0.1.0",
    "browser_version": "Chromium 156",
    "started_at": "2026-11-30T01:00:00+00:00",
    "finished_at": "2026-11-30T01:01:00+00:00",
    "complete": True,
    "config": {"device": "Pixel 7", "cookies": ["sid=(hidden)@example.com"]},
}


@pytest.fixture
def pack(tmp_path):
    root = tmp_path / "pack"
    EvidencePack.prepare(root)
    (root / "har" / "no-interaction.har").write_text('{"log": {"entries": []}}')
    (root / "screenshots" / "no-interaction-start.png").write_bytes(b"\x89PNG fake")
    (root / "result.json").write_text(json.dumps(RESULT))
    return root


@pytest.fixture
def keys(tmp_path):
    return generate_keys(tmp_path / "ev.key")


def test_a_signed_pack_verifies_and_names_the_signer(pack, keys):
    private, public = keys
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    manifest = json.loads(seal(pack, RESULT, private).read_text())
    paths = [f["path"] for f in manifest["manifest"]["files"]]
    start = "screenshots/no-interaction-start.png"
    assert paths == ["har/no-interaction.har", "result.json", start]
    assert manifest["manifest"]["visitor"]["device"] == "Pixel 7"
    report = verify(pack, public)
    assert report.intact and report.signed and report.problems == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda p: (p / "result.json").write_text("{}"), "changed: result.json"),
        (lambda p: (p / "screenshots" / "no-interaction-start.png").unlink(),
         "missing: screenshots/no-interaction-start.png"),
        (lambda p: (p / "extra.txt").write_text("x"), "added: extra.txt"),
    ],
)  # fmt: skip
def test_every_change_to_a_file_is_named(pack, keys, change, expected):
    seal(pack, RESULT, keys[0])
    change(pack)
    report = verify(pack, keys[1])
    assert not report.intact and expected in report.problems


def test_a_rewritten_manifest_breaks_the_signature(pack, keys):
    seal(pack, RESULT, keys[0])
    doc = json.loads((pack / "manifest.json").read_text())
    doc["manifest"]["start_url"] = "https://innocent.example/"
    (pack / "manifest.json").write_text(json.dumps(doc))
    report = verify(pack)
    assert not report.intact
    assert any("signature does not match" in p for p in report.problems)


def test_another_key_or_no_signature_fails_when_a_key_is_required(pack, keys, tmp_path):
    _, other_public = generate_keys(tmp_path / "other.key")
    seal(pack, RESULT, keys[0])
    assert "signed by another key than the one given" in verify(pack, other_public).problems
    (pack / "manifest.json").unlink()
    seal(pack, RESULT)  # unsigned
    doc = json.loads((pack / "manifest.json").read_text())
    assert doc["signature"] is None and doc["unsigned"].startswith("UNSIGNED")
    assert verify(pack).intact and not verify(pack).signed
    assert not verify(pack, keys[1]).intact


def test_keys_are_never_overwritten_and_bad_keys_are_one_line(tmp_path, keys):
    with pytest.raises(ConfigError, match="already exists"):
        generate_keys(keys[0])
    (tmp_path / "bad.key").write_text("not a key")
    with pytest.raises(ConfigError, match="not an unencrypted PEM private key"):
        seal(tmp_path, RESULT, tmp_path / "bad.key")


def test_verify_command_exit_codes(pack, keys, tmp_path):
    runner = CliRunner()
    assert runner.invoke(verify_command, [str(tmp_path / "nothing")]).exit_code == 2
    seal(pack, RESULT, keys[0])
    ok = runner.invoke(verify_command, [str(pack), "--key", str(keys[1])])
    assert ok.exit_code == 0 and "intact: 3 file(s), signed by" in ok.output
    (pack / "result.json").write_text("{}")
    bad = runner.invoke(verify_command, [str(pack)])
    assert bad.exit_code == 1 and "changed: result.json" in bad.output
    made = runner.invoke(keygen, [str(tmp_path / "new.key")])
    assert made.exit_code == 0 and (tmp_path / "new.key.pub").exists()
    assert runner.invoke(keygen, [str(tmp_path / "new.key")]).exit_code == 2


@pytest.mark.browser
def test_scan_with_evidence_keeps_har_screenshots_and_a_signed_manifest(localweb, tmp_path, keys):
    folder = tmp_path / "evidence"
    config = ScanConfig(
        url="https://www.example.com/",
        max_pages=2,
        dwell=0.5,
        idle_timeout=1.0,
        evidence_dir=str(folder),
        evidence_key=str(keys[0]),
        **localweb.scan_options(),
    )
    result = scan(config)
    for phase in ("no-interaction", "accept-all", "reject-all"):
        har = json.loads((folder / "har" / f"{phase}.har").read_text())
        urls = [e["request"]["url"] for e in har["log"]["entries"]]
        assert "https://www.example.com/" in urls, phase
        assert (folder / "screenshots" / f"{phase}-start.png").read_bytes()[:4] == b"\x89PNG"
    for phase in ("accept-all", "reject-all"):
        assert (folder / "screenshots" / f"{phase}-after-click.png").exists()
    saved = json.loads((folder / "result.json").read_text())
    assert saved["start_url"] == result.start_url and len(saved["findings"]) == len(result.findings)
    report = verify(folder, keys[1])
    assert report.intact and report.signed, report.problems
    assert report.files >= 8
    # One byte changed in a HAR and in a screenshot: verify fails and names both files.
    for name in ("har/reject-all.har", "screenshots/accept-all-start.png"):
        data = bytearray((folder / name).read_bytes())
        data[len(data) // 2] ^= 0x01
        (folder / name).write_bytes(bytes(data))
    broken = verify(folder, keys[1])
    assert not broken.intact
    assert "changed: har/reject-all.har" in broken.problems
    assert "changed: screenshots/accept-all-start.png" in broken.problems
    with pytest.raises(ConfigError, match="already holds a sealed evidence pack"):
        scan(config)

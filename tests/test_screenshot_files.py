"""Banner screenshots live as PNG files beside a result JSON file, not inside it (issue 14,
part 1): ``r.json`` -> ``r.screenshots/<phase>-<when>.png``; JSON on stdout has none unless
``--embed-screenshots``; reading a result back resolves those paths inside its own folder only
(a hostile JSON naming /etc/passwd, ``../x.png``, a symbolic link or a huge file gets nothing).

One real scan (the ``cc`` test site, "accept all" only); the rest reuses the hand-built demo
result of ``report_fixtures``.
"""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from report_fixtures import demo_result

import reports
from reports.shots import MAX_SCREENSHOT_BYTES, SCREENSHOT_KEYS
from scanner.cli import cli

PNG = b"\x89PNG\r\n\x1a\n"
PHASES = ("accept-all", "reject-all")


def shots_of(data: dict) -> dict[str, str]:
    """``{"accept-all screenshot_before": value, ...}`` of a result as plain data."""
    out = {}
    for phase in data["phases"]:
        details = (phase.get("consent") or {}).get("details") or {}
        for key in SCREENSHOT_KEYS:
            if key in details:
                out[f"{phase['phase']} {key}"] = details[key]
    return out


def run(*args: str):
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result


@pytest.fixture
def saved(tmp_path: Path) -> Path:
    """The demo result written as ``r.json`` with its screenshots beside it."""
    path = tmp_path / "r.json"
    reports.write(demo_result(), "json", path)
    return path


# -- writing --------------------------------------------------------------------------------


def test_a_json_file_keeps_its_screenshots_as_png_files_beside_it(saved: Path) -> None:
    text = saved.read_text(encoding="utf-8")
    assert "data:image" not in text
    folder = saved.parent / "r.screenshots"
    expected = {
        f"{phase} {key}": f"r.screenshots/{phase}-{when}.png"
        for phase in PHASES
        for key, when in SCREENSHOT_KEYS.items()
    }
    assert shots_of(json.loads(text)) == expected
    embedded = shots_of(demo_result().to_dict())
    for field, relative in expected.items():
        raw = (saved.parent / relative).read_bytes()
        assert raw.startswith(PNG)
        assert base64.b64encode(raw).decode() == embedded[field].split(",", 1)[1]
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        f"{phase}-{when}.png" for phase in PHASES for when in ("after", "before")
    )
    # The JSON is much smaller than the self-contained one.
    assert len(text) < len(reports.render(demo_result(), "json"))


def test_reading_it_back_gives_the_same_result(saved: Path) -> None:
    assert reports.load_result(saved) == demo_result()


def test_a_rewrite_removes_the_screenshots_of_the_earlier_result(saved: Path) -> None:
    stale = saved.parent / "r.screenshots" / "no-interaction-before.png"
    stale.write_bytes(PNG)
    keep = saved.parent / "r.screenshots" / "notes.txt"  # not ours: left alone
    keep.write_text("mine")
    reports.write(demo_result(), "json", saved)
    assert not stale.exists() and keep.exists()


def test_a_failed_json_write_leaves_no_screenshot_folder(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "r.json").mkdir()  # the JSON cannot replace a directory
    with pytest.raises(reports.ReportError):
        reports.write(demo_result(), "json", tmp_path / "sub" / "r.json")
    assert not (tmp_path / "sub" / "r.screenshots").exists()


def test_embed_and_omit(tmp_path: Path) -> None:
    embedded = tmp_path / "e.json"
    reports.write(demo_result(), "json", embedded, screenshots="embed")
    values = shots_of(json.loads(embedded.read_text(encoding="utf-8"))).values()
    assert len(values) == 4 and all(v.startswith("data:image/png;base64,") for v in values)
    assert not (tmp_path / "e.screenshots").exists()
    omitted = json.loads(reports.render(demo_result(), "json", screenshots="omit"))
    assert shots_of(omitted) == {}
    assert omitted["phases"][1]["consent"]["details"]["time_ms"]  # the rest is kept


# -- the commands ---------------------------------------------------------------------------


def test_report_to_stdout_has_no_screenshots_unless_embedded(saved: Path) -> None:
    plain = run("report", str(saved))
    assert plain.exit_code == 0, plain.output
    assert "data:image" not in plain.stdout and "screenshot_" not in plain.stdout
    assert shots_of(json.loads(plain.stdout)) == {}
    embedded = run("report", str(saved), "--embed-screenshots")
    assert embedded.exit_code == 0, embedded.output
    values = shots_of(json.loads(embedded.stdout)).values()
    assert len(values) == 4 and all(v.startswith("data:image/png;base64,") for v in values)


def test_a_screenshot_folder_in_the_way_is_refused_before_anything_runs(
    saved: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out.json"
    (tmp_path / "out.screenshots").write_text("not a folder")
    # the demo scan, with a browser that does not exist: exit 4 if the check came too late
    for args in (("report", str(saved)), ("scan", "--browser", str(tmp_path / "no-chromium"))):
        refused = run(*args, "-o", str(out))
        assert refused.exit_code == 2, refused.output
        assert "out.screenshots is in the way" in refused.output
    assert not out.exists()
    embedded = run("report", str(saved), "-o", str(out), "--embed-screenshots")
    assert embedded.exit_code == 0, embedded.output
    assert shots_of(json.loads(out.read_text()))  # kept in the JSON, the file left alone
    assert (tmp_path / "out.screenshots").read_text() == "not a folder"


def test_report_renders_the_screenshots_from_the_files(saved: Path, tmp_path: Path) -> None:
    html = tmp_path / "r.html"
    done = run("report", str(saved), "--format", "html", "-o", str(html))
    assert done.exit_code == 0, done.output
    assert html.read_text(encoding="utf-8").count('<img src="data:image/png;base64,') == 4
    copy = tmp_path / "out" / "copy.json"  # JSON -> JSON: the screenshots follow
    copy.parent.mkdir()
    done = run("report", str(saved), "-o", str(copy))
    assert done.exit_code == 0, done.output
    assert (tmp_path / "out" / "copy.screenshots" / "accept-all-before.png").read_bytes()[:8] == PNG


def test_without_its_folder_the_report_warns_and_renders(saved: Path, tmp_path: Path) -> None:
    moved = tmp_path / "alone" / "r.json"
    moved.parent.mkdir()
    saved.rename(moved)
    done = run("report", str(moved), "--format", "html", "-o", str(tmp_path / "r.html"))
    assert done.exit_code == 0, done.output
    assert "no such file" in done.stderr and done.stderr.count("warning:") == 4
    assert "data:image" not in (tmp_path / "r.html").read_text(encoding="utf-8")


# -- hostile paths: nothing outside r.screenshots/ is read ------------------------------------


def hostile(saved: Path, value: str) -> tuple[dict, list[str]]:
    """``saved`` with its first screenshot path set to ``value``, loaded back: the phases'
    screenshots and the warnings."""
    data = json.loads(saved.read_text(encoding="utf-8"))
    data["phases"][1]["consent"]["details"]["screenshot_before"] = value
    saved.write_text(json.dumps(data), encoding="utf-8")
    warnings: list[str] = []
    result = reports.load_result(saved, warn=warnings.append)
    return shots_of(result.to_dict()), warnings


@pytest.mark.parametrize(
    "value, why",
    [
        ("/etc/passwd", "only files in r.screenshots/"),
        ("r.screenshots/../../x-before.png", "not a screenshot file name"),
        ("r.screenshots/../r.json", "not a screenshot file name"),
        ("other.screenshots/accept-all-before.png", "only files in r.screenshots/"),
        ("r.screenshots//etc/passwd", "not a screenshot file name"),
        ("r.screenshots/accept-all-before.PNG", "not a screenshot file name"),
        ("r.screenshots/no-interaction-before.png", "no such file"),
    ],
)
def test_a_hostile_path_reads_no_file(saved: Path, value: str, why: str) -> None:
    shots, warnings = hostile(saved, value)
    assert "accept-all screenshot_before" not in shots
    assert shots["accept-all screenshot_after"].startswith("data:image/png;base64,")
    assert len(warnings) == 1 and why in warnings[0], warnings


def test_a_symbolic_link_out_of_the_folder_is_not_followed(saved: Path, tmp_path: Path) -> None:
    outside = tmp_path / "secret.png"
    outside.write_bytes(PNG + b"secret")
    shot = saved.parent / "r.screenshots" / "accept-all-before.png"
    shot.unlink()
    shot.symlink_to(outside)
    shots, warnings = hostile(saved, "r.screenshots/accept-all-before.png")
    assert "accept-all screenshot_before" not in shots
    assert len(warnings) == 1 and "cannot read" in warnings[0], warnings


def test_a_linked_folder_is_not_read(saved: Path, tmp_path: Path) -> None:
    folder = saved.parent / "r.screenshots"
    elsewhere = tmp_path / "elsewhere"
    folder.rename(elsewhere)
    folder.symlink_to(elsewhere, target_is_directory=True)
    shots, warnings = hostile(saved, "r.screenshots/accept-all-before.png")
    assert shots == {}
    assert len(warnings) == 4 and all("is not a folder" in w for w in warnings), warnings


def test_a_huge_file_or_not_a_png_is_not_read(saved: Path) -> None:
    folder = saved.parent / "r.screenshots"
    with open(folder / "accept-all-before.png", "r+b") as huge:  # sparse: no disk used
        huge.truncate(MAX_SCREENSHOT_BYTES + 1)
    (folder / "accept-all-after.png").write_bytes(b"root:x:0:0:root:/root:/bin/sh\n")
    os.mkfifo(folder / "reject-all-before.png.fifo")
    (folder / "reject-all-before.png").unlink()
    (folder / "reject-all-before.png.fifo").rename(folder / "reject-all-before.png")
    warnings: list[str] = []
    shots = shots_of(reports.load_result(saved, warn=warnings.append).to_dict())
    assert list(shots) == ["reject-all screenshot_after"]
    assert any("larger than 10 MB" in w for w in warnings), warnings
    assert any("not a PNG file" in w for w in warnings), warnings
    assert any("not a regular file" in w for w in warnings), warnings


def test_an_older_result_with_data_uris_still_loads(tmp_path: Path) -> None:
    path = tmp_path / "old.json"
    path.write_text(reports.render(demo_result(), "json"), encoding="utf-8")
    assert reports.load_result(path) == demo_result()


# -- one real scan ----------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.timeout(180)
def test_scan_to_a_json_file_writes_the_banner_screenshots(localweb, tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    args = [f"--browser-arg={a}" for a in localweb.browser_args()] + ["--ignore-https-errors"]
    done = CliRunner().invoke(
        cli,
        ["scan", "https://cc.example.com/", "--phases", "accept-all", "--max-pages", "1"]
        + ["--dwell", "0", "--no-sitemap", "--no-history", "-o", str(out), *args],
    )
    assert done.exit_code == 0, done.output
    assert f"banner screenshots in {tmp_path / 'r.screenshots'}/" in done.stderr
    text = out.read_text(encoding="utf-8")
    assert "data:image" not in text
    shots = shots_of(json.loads(text))
    assert shots == {
        "accept-all screenshot_before": "r.screenshots/accept-all-before.png",
        "accept-all screenshot_after": "r.screenshots/accept-all-after.png",
    }
    for relative in shots.values():
        raw = (tmp_path / relative).read_bytes()
        assert raw.startswith(PNG) and raw[12:16] == b"IHDR" and raw.endswith(b"IEND\xaeB`\x82")
        width, height = int.from_bytes(raw[16:20], "big"), int.from_bytes(raw[20:24], "big")
        assert width > 100 and height > 50, (width, height)  # the banner, not an empty image
    html = tmp_path / "r.html"
    done = run("report", str(out), "--format", "html", "-o", str(html))
    assert done.exit_code == 0, done.output
    assert html.read_text(encoding="utf-8").count('<img src="data:image/png;base64,') == 2

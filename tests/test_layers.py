"""The house rules that keep the rooms apart: import contracts and module size (tests too).

The contracts live in ``pyproject.toml`` (``[tool.importlinter]``) and are explained in
``docs/architecture.md``. ``./run test`` runs ``lint-imports`` before pytest; this file runs it
as well, so that a plain ``pytest`` catches a broken contract too.
"""

from __future__ import annotations

import pkgutil
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("scanner", "signatures", "reports")
MAX_LINES = 400
#: The folders whose modules may not grow past MAX_LINES: the packages and the tests, but for
#: the tests' data (the test sites and the golden files), which are not modules of ours.
SIZED = (*PACKAGES, "tests")
DATA = ("tests/sites/", "tests/expected/")

#: Modules over MAX_LINES today, each with the line count it may not grow past. Split one and
#: remove it here (the test fails when an entry is no longer needed, so the list stays true).
#: None today: reports/view.py (404 lines at f28bb67) is back under, and scanner/model.py
#: became the package scanner/model/.
TOO_LONG_TODAY: dict[str, int] = {}

#: The modules of scanner that reports may import: the model, the errors and the shared
#: consent rules (the rest is forbidden by the contract "reports-reads-the-model").
REPORTS_MAY_IMPORT = {"scanner.model", "scanner.errors", "scanner.rules"}
#: The base every room may import; it imports no room (contract "base-imports-no-room";
#: scanner.rules through the reports contract, as reports imports it).
BASE = {"scanner.model", "scanner.errors", "scanner.config", "scanner.rules"}
#: Rooms of scanner that stand outside the layers contract, and why.
OUTSIDE_THE_LAYERS = {
    "scanner.demo",  # the demo shop's local web: used by the CLI, the tests and the benchmark
}


def lint_imports() -> str:
    """The lint-imports script of this Python (the venv's), never silently skipped."""
    script = Path(sys.executable).with_name("lint-imports")
    found = str(script) if script.exists() else shutil.which("lint-imports")
    assert found, "lint-imports is missing: pip install -e '.[test]' (import-linter)"
    return found


def contracts() -> dict[str, dict]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return {c["id"]: c for c in config["tool"]["importlinter"]["contracts"]}


def scanner_modules() -> set[str]:
    """The direct submodules and subpackages of scanner (what a contract can name)."""
    return {f"scanner.{m.name}" for m in pkgutil.iter_modules([str(ROOT / "scanner")])}


def test_import_contracts_hold():
    # --no-cache: the cache is keyed on file times, which a quick edit-and-revert can fool.
    done = subprocess.run(
        [lint_imports(), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_reports_contract_names_every_other_module_of_scanner():
    # The reports contract lists what is forbidden; a new module of scanner must be added to
    # that list (or, if reports may read it, to REPORTS_MAY_IMPORT) by a decision, not by default.
    forbidden = set(contracts()["reports-reads-the-model"]["forbidden_modules"])
    unlisted = scanner_modules() - forbidden - REPORTS_MAY_IMPORT
    assert not unlisted, f"add to the reports contract in pyproject.toml: {sorted(unlisted)}"
    assert not forbidden & REPORTS_MAY_IMPORT


def test_every_room_of_scanner_is_in_a_layer():
    layers = contracts()["scanner-layers"]["layers"]
    in_layers = {name.strip() for layer in layers for name in layer.split("|")}
    rooms = {f"scanner.{m.name}" for m in pkgutil.iter_modules([str(ROOT / "scanner")]) if m.ispkg}
    missing = rooms - in_layers - OUTSIDE_THE_LAYERS - BASE
    assert not missing, f"put these rooms in the layers contract of pyproject.toml: {missing}"


def python_modules() -> dict[str, Path]:
    """Every module of the packages and the tests, by its path from the root (data left out)."""
    paths = (path for folder in SIZED for path in sorted((ROOT / folder).rglob("*.py")))
    named = {path.relative_to(ROOT).as_posix(): path for path in paths}
    return {name: path for name, path in named.items() if not name.startswith(DATA)}


def test_no_module_over_400_lines():
    sizes = {
        name: len(path.read_text(encoding="utf-8").splitlines())
        for name, path in python_modules().items()
    }
    assert "tests/test_layers.py" in sizes and "scanner/config.py" in sizes
    too_long = {
        name: lines for name, lines in sizes.items() if lines > TOO_LONG_TODAY.get(name, MAX_LINES)
    }
    assert not too_long, f"split these modules (at most {MAX_LINES} lines): {too_long}"
    fixed = [name for name in TOO_LONG_TODAY if sizes.get(name, 0) <= MAX_LINES]
    assert not fixed, f"no longer over {MAX_LINES} lines, remove from TOO_LONG_TODAY: {fixed}"

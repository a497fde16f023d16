"""Running the command line in a test, and the check that an error is one line and exit 2
(never a traceback) for careless input."""

from __future__ import annotations

from click.testing import CliRunner

from scanner.cli import cli


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args))


def assert_one_line_exit_2(result, *words: str) -> None:
    assert result.exit_code == 2, (result.output, result.exception)
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    for word in words:
        assert word in lines[0], result.output

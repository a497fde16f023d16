"""``cookiescan.toml``: scan options and named visitor profiles kept in a file; ``config show``.

Where a scan option comes from, highest first: the command line, a ``COOKIESCAN_<OPTION>``
environment variable (``COOKIESCAN_MAX_PAGES=50``), the chosen ``[profiles.NAME]`` of the
config file (``scan --profile NAME``), its ``[scan]`` table, then ``ScanConfig``'s default.
Click does the layering (``default_map`` for the file, ``envvar`` for the environment), so
``config show`` asks Click itself where each value came from rather than re-deriving it.

The file is ``cookiescan.toml`` in the working directory, or ``--config FILE`` (also
``COOKIESCAN_CONFIG``)::

    [scan]
    max_pages = 50
    phases = ["no-interaction", "reject-all"]

    [profiles.eu-mobile]
    device = "Pixel 7"
    locale = "fr-FR"
    timezone = "Europe/Paris"
    proxy = "http://eu-proxy.example:3128"

Keys are ``ScanConfig`` field names (as in a batch's sites file); every table is checked like
a ``ScanConfig``, so a typo is a one-line ``ConfigError`` (exit 2) naming the file and key.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

import click
from click.core import ParameterSource

from scanner.cli.options import SCAN_OPTIONS
from scanner.config import FIELDS, ScanConfig
from scanner.errors import ConfigError, redact_url

CONFIG_FILE = "cookiescan.toml"
TABLES = ("scan", "profiles")
#: Options that are not scan options but may sit in ``[scan]`` too.
_CLI_ONLY = ("db", "fail_on", "no_history", "quiet", "format", "output")
_COMMA = {spec.name for spec in SCAN_OPTIONS if "callback" in spec.options}
_CHECK_URL = "https://config.check.invalid/"


def find_file(path: str | None) -> Path | None:
    """The config file: ``path`` (which must exist), else ``cookiescan.toml`` here, else None."""
    if path:
        file = Path(path)
        if not file.is_file():
            raise ConfigError(f"{path}: no such config file")
        return file
    here = Path.cwd() / CONFIG_FILE
    return here if here.is_file() else None


def load_file(file: Path) -> dict[str, Any]:
    """The file's tables, checked: ``{"scan": {...}, "profiles": {NAME: {...}}}``."""
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{file}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{file}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{file}: not valid TOML: {exc}") from None
    unknown = sorted(set(data) - set(TABLES))
    if unknown:
        raise ConfigError(f"{file}: unknown table {unknown[0]!r}; use [scan] and [profiles.NAME]")
    scan = _table(file, "scan", data.get("scan", {}))
    profiles = data.get("profiles", {})
    if not isinstance(profiles, dict):
        raise ConfigError(f"{file}: [profiles] must hold tables [profiles.NAME]")
    return {
        "scan": scan,
        "profiles": {name: _table(file, f"profiles.{name}", t) for name, t in profiles.items()},
    }


def _table(file: Path, where: str, table: Any) -> dict[str, Any]:
    if not isinstance(table, dict):
        raise ConfigError(f"{file}: [{where}] must be a table")
    options = {k: v for k, v in table.items() if k not in _CLI_ONLY}
    if "url" in options:
        raise ConfigError(f"{file}: [{where}] url: give the URL on the command line")
    try:
        ScanConfig(url=_CHECK_URL, **_as_config(options))
    except ConfigError as exc:
        raise ConfigError(f"{file}: [{where}] {exc}") from None
    return table


def _as_config(table: dict[str, Any]) -> dict[str, Any]:
    return {k: tuple(v) if isinstance(v, list) else v for k, v in table.items()}


def defaults_for(data: dict[str, Any], profile: str | None) -> dict[str, Any]:
    """Click ``default_map`` entries for ``scan``: the ``[scan]`` table, then the profile."""
    table = dict(data.get("scan", {}))
    if profile:
        profiles = data.get("profiles", {})
        if profile not in profiles:
            known = ", ".join(sorted(profiles)) or "none in the config file"
            raise click.BadParameter(f"unknown profile {profile!r} (known: {known})")
        table.update(profiles[profile])
    return dict(_as_click_item(k, v) for k, v in table.items())


def _as_click_item(name: str, value: Any) -> tuple[str, Any]:
    return ("fmt" if name == "format" else name), _as_click(name, value)


def _as_click(name: str, value: Any) -> Any:
    if name in _COMMA and isinstance(value, list):
        return ",".join(str(v) for v in value)  # the option's callback splits it again
    return value


def envvar(name: str) -> str:
    """The environment variable of scan option ``name``: ``COOKIESCAN_MAX_PAGES``
    (``scanner.cli.options.Spec.option`` gives each option this one)."""
    return f"COOKIESCAN_{name.upper()}"


def apply_profile(ctx: click.Context, _param: Any, profile: str | None) -> str | None:
    """Eager ``--profile`` callback: the file's ``[scan]`` and profile become the defaults of
    the options that follow (Click resolves them after eager options)."""
    data = (ctx.find_root().obj or {}).get("config") or {}
    if not data:
        if profile:
            raise click.BadParameter(f"unknown profile {profile!r}: no config file found")
        return profile
    ctx.default_map = {**(ctx.default_map or {}), **defaults_for(data, profile)}
    return profile


profile_option = click.option(
    "--profile",
    metavar="NAME",
    is_eager=True,
    expose_value=False,
    callback=apply_profile,
    help="Scan as the visitor [profiles.NAME] of the config file (device, locale, proxy…).",
)

_SOURCES = {
    ParameterSource.COMMANDLINE: "command line",
    ParameterSource.ENVIRONMENT: "environment",
    ParameterSource.DEFAULT_MAP: "config file",
    ParameterSource.DEFAULT: "default",
}


@click.group("config")
def config_group() -> None:
    """The settings a scan would use, and where each comes from."""


@config_group.command(
    "show", context_settings={"ignore_unknown_options": True, "allow_extra_args": True}
)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="text: one line per option; json: for programs.")  # fmt: skip
@click.argument("scan_args", nargs=-1, type=click.UNPROCESSED)
@click.pass_context
def show(ctx: click.Context, fmt: str, scan_args: tuple[str, ...]) -> None:
    """Show every scan option's value and its source (command line > environment > config
    file's profile and [scan] > default). Scan options and --profile may follow, as for scan:

    \b
        cookiescan config show
        cookiescan config show --profile eu-mobile --max-pages 5
    """
    root = ctx.find_root()
    scan = root.command.get_command(root, "scan")  # type: ignore[attr-defined]
    file = (root.obj or {}).get("config_file")
    with scan.make_context("scan", list(scan_args), parent=root) as scan_ctx:
        rows = []
        for name in FIELDS:
            if name in ("url", "extra") or name not in scan_ctx.params:
                continue
            source = scan_ctx.get_parameter_source(name)
            value = scan_ctx.params[name]
            rows.append(
                {
                    "option": name,
                    "value": _public(name, value),
                    "source": _SOURCES.get(source, str(source)),
                    "env": envvar(name),
                }
            )
    if fmt == "json":
        click.echo(json.dumps({"config_file": str(file) if file else None, "options": rows}))
        return
    click.echo(f"# config file: {file or f'none ({CONFIG_FILE} not found here)'}")
    width = max(len(r["option"]) for r in rows)
    for row in rows:
        value = json.dumps(row["value"], ensure_ascii=True)
        click.echo(f"{row['option']:<{width}}  {value}  ({row['source']})")


def _public(name: str, value: Any) -> Any:
    """What ``config show`` may print: no proxy password, cookie value or header value."""
    if isinstance(value, tuple):
        value = list(value)
    public = ScanConfig(url=_CHECK_URL, **{name: value}).public_dict()[name]
    return redact_url(public) if isinstance(public, str) else public

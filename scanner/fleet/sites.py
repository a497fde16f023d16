"""The sites file of a batch: a text file of URLs or a TOML file of per-site scan options,
validated into ``Job``s (one site scan each, plain JSON in and out).

Example::

    jobs = load_sites("sites.toml")      # BatchError names the file, entry and field
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from scanner.config import ScanConfig
from scanner.errors import ConfigError

# Keys of a TOML site entry that are not ScanConfig fields.
JOB_KEYS = {"name"}


class BatchError(ConfigError):
    """A sites file is unreadable or invalid; the message names file, entry and field."""


@dataclass(frozen=True)
class Job:
    """One site scan: a unique ``name`` (file names in the output folder) and its config."""

    name: str
    config: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "config": self.config}

    def scan_config(self) -> ScanConfig:
        return ScanConfig.from_dict(self.config)


# -- the sites file ---------------------------------------------------------------------------


def load_sites(path: str | Path, defaults: dict[str, Any] | None = None) -> list[Job]:
    """Jobs from a text file (one URL a line, ``#`` comments) or a TOML file.

    A TOML file has an optional ``[defaults]`` table and ``[[site]]`` entries, each with
    ``url`` and any ``ScanConfig`` field (plus an optional ``name``)::

        [defaults]
        max_pages = 10

        [[site]]
        url = "https://www.example.com/"
        first_party = ["example-cdn.net"]

    ``defaults`` (e.g. from the command line) override the file's ``[defaults]``; a site's
    own fields override both. Raises ``BatchError`` naming the file, entry and field.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BatchError(f"{path}: cannot read ({exc})") from None
    if path.suffix.lower() == ".toml":
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise BatchError(f"{path}: invalid TOML ({exc})") from None
        unknown = set(data) - {"defaults", "site"}
        if unknown:
            raise BatchError(
                f"{path}: unknown table(s) {sorted(unknown)}; use [defaults], [[site]]"
            )
        file_defaults = data.get("defaults", {})
        if not isinstance(file_defaults, dict):
            raise BatchError(f"{path}: [defaults] must be a table")
        _check_fields(file_defaults, f"{path}: [defaults]", allow_name=False)
        entries = data.get("site", [])
        if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
            raise BatchError(f"{path}: sites must be [[site]] tables")
    else:
        file_defaults = {}
        entries = []
        for line in text.splitlines():
            line = line.split("#", 1)[0].strip()
            if line:
                entries.append({"url": line})
    if not entries:
        raise BatchError(f"{path}: no sites")
    base = {**file_defaults, **(defaults or {})}
    jobs: list[Job] = []
    names: set[str] = set()
    for number, entry in enumerate(entries, 1):
        where = f"{path}: site {number}" + (f" ({entry['url']})" if "url" in entry else "")
        if "url" not in entry:
            raise BatchError(f"{where}: 'url' missing")
        _check_fields(entry, where, allow_name=True)
        options = {**base, **{k: v for k, v in entry.items() if k not in JOB_KEYS}}
        try:
            config = ScanConfig.from_dict(options)
        except ConfigError as exc:
            raise BatchError(f"{where}: {exc}") from None
        name = entry.get("name") or slug(config.url)
        if not re.fullmatch(r"[A-Za-z0-9._-]{1,120}", name):
            raise BatchError(f"{where}: 'name' must be letters, digits, '.', '_' or '-'")
        if name in names:
            if "name" in entry:
                raise BatchError(f"{where}: name {name!r} used twice")
            name = _unique(name, names)
        names.add(name)
        jobs.append(Job(name, config.to_dict()))
    return jobs


def _check_fields(entry: dict[str, Any], where: str, *, allow_name: bool) -> None:
    """Check a TOML table of scan options with ``ScanConfig``'s own checks and messages."""
    options = dict(entry)
    if allow_name and "name" in options:
        if not isinstance(options.pop("name"), str):
            raise BatchError(f"{where}: 'name' must be a string")
    try:
        ScanConfig.from_dict({"url": "https://checking.invalid/", **options})
    except ConfigError as exc:
        raise BatchError(f"{where}: {exc}") from None


config_from_dict = ScanConfig.from_dict


def slug(url: str) -> str:
    """A file-name-safe name for a site: its host, plus its path when there is one."""
    parts = urlsplit(url)
    text = (parts.hostname or "site") + (parts.path.rstrip("/") or "")
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("_")[:120] or "site"


def _unique(name: str, taken: set[str]) -> str:
    number = 2
    while f"{name}-{number}" in taken:
        number += 1
    return f"{name}-{number}"


# -- one job ----------------------------------------------------------------------------------

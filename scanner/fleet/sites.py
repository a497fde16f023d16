"""The sites file of a batch: a text file of URLs or a TOML file of per-site scan options,
validated into ``Job``s (one site scan each, plain JSON in and out).

Example::

    jobs = load_sites("sites.toml")      # BatchError names the file, entry and field
"""

from __future__ import annotations

import logging
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import idna
from w3lib.url import canonicalize_url, safe_url_string

from scanner.collect.crawl import check_start_url
from scanner.config import ScanConfig
from scanner.errors import ConfigError

log = logging.getLogger("cookiescan.sites")

#: A job's name, and a schedule's id: it names files and folders, so no ``/``, no ``..``.
SAFE_NAME = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]{0,119}")
#: A URL w3lib gives back unchanged (letters, digits and a few marks, no "%" escapes), and
#: one whose ``canonicalize_url`` is itself (at most one ``name=value`` in its query).
_PLAIN_URL = re.compile(r"https?://[a-z0-9.:_-]+(/[A-Za-z0-9._~/-]*)?(\?[A-Za-z0-9._~=&-]*)?")
#: A URL ``canonical_url`` gives back unchanged.
_READY_URL = re.compile(
    r"https?://[a-z0-9_-]+(\.[a-z0-9_-]+)*(/[A-Za-z0-9._~/-]*)(\?[A-Za-z0-9._~=&-]+)?"
)
_CANONICAL_URL = re.compile(
    r"https?://[a-z0-9.:_-]+(/([A-Za-z0-9_~-][A-Za-z0-9._~-]*)?)*(\?[A-Za-z0-9._~-]+=[A-Za-z0-9._~-]*)?"
)

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


def load_sites(
    path: str | Path,
    defaults: dict[str, Any] | None = None,
    *,
    warn: Callable[[str], None] | None = None,
) -> list[Job]:
    """Jobs from a text file (one URL a line, ``#`` comments) or a TOML file.

    A TOML file has an optional ``[defaults]`` table and ``[[site]]`` entries, each with
    ``url`` and any ``ScanConfig`` field (plus an optional ``name``)::

        [defaults]
        max_pages = 10

        [[site]]
        url = "https://www.example.com/"
        first_party = ["example-cdn.net"]

    ``defaults`` (e.g. from the command line) override the file's ``[defaults]``; a site's
    own fields override both. Every URL is made canonical (``canonical_url``), and a site
    listed again with the same options (``HTTP://Example.com`` after
    ``http://example.com/``) is dropped, with one warning line saying how many were
    (``warn``, or the ``cookiescan.sites`` logger). Raises ``BatchError`` naming the file,
    entry and field.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BatchError(f"{path}: cannot read ({exc})") from None
    if path.suffix.lower() == ".toml":
        file_defaults, entries = _toml_entries(path, text)
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
    # The options every plain entry (a URL and nothing else) shares, validated once: a
    # 200,000-line file must not build and dump 200,000 configs (issue 11, part 8).
    try:
        shared = ScanConfig.from_dict({**base, "url": "https://checking.invalid/"}).to_dict()
    except ConfigError as exc:
        raise BatchError(f"{path}: {exc}") from None
    shared_lists = [k for k, v in shared.items() if isinstance(v, (list, dict))]
    jobs: list[Job] = []
    names: set[str] = set()
    counters: dict[str, int] = {}
    seen: dict[tuple[str, str], int] = {}
    dropped: list[tuple[int, str, int]] = []
    for number, entry in enumerate(entries, 1):
        where = f"{path}: site {number}" + (f" ({entry['url']})" if "url" in entry else "")
        if "url" not in entry:
            raise BatchError(f"{where}: 'url' missing")
        if not isinstance(entry["url"], str):
            raise BatchError(f"{where}: 'url' must be a string")
        try:
            url = canonical_url(entry["url"])
        except ConfigError as exc:
            raise BatchError(f"{where}: {exc}") from None
        fields = {k: v for k, v in entry.items() if k not in JOB_KEYS and k != "url"}
        if fields:
            _check_fields(entry, where, allow_name=True)
            try:
                config = ScanConfig.from_dict({**base, **fields, "url": url}).to_dict()
            except ConfigError as exc:
                raise BatchError(f"{where}: {exc}") from None
        else:
            _check_name(entry, where)
            config = dict(shared, url=url)
            for field in shared_lists:  # no two jobs share a list
                config[field] = shared[field].copy()
        options = "" if not fields else repr(sorted(i for i in config.items() if i[0] != "url"))
        key = (dedupe_key(url), options)
        if key in seen:
            dropped.append((number, entry["url"], seen[key]))
            continue
        seen[key] = number
        name = entry.get("name") or slug(url)
        if not SAFE_NAME.fullmatch(name):
            raise BatchError(f"{where}: 'name' must be letters, digits, '.', '_' or '-'")
        if name in names:
            if "name" in entry:
                raise BatchError(f"{where}: name {name!r} used twice")
            name = _unique(name, names, counters)
        names.add(name)
        jobs.append(Job(name, config))
    if dropped:
        number, given, first = dropped[0]
        message = (
            f"warning: {path}: {len(dropped)} duplicate site(s) dropped, each scanned once "
            f"(site {number}, {given}, is site {first})"
        )
        (warn or log.warning)(message)
    return jobs


def _toml_entries(path: Path, text: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The ``[defaults]`` table and the ``[[site]]`` entries of a TOML sites file."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise BatchError(f"{path}: invalid TOML ({exc})") from None
    unknown = set(data) - {"defaults", "site"}
    if unknown:
        raise BatchError(f"{path}: unknown table(s) {sorted(unknown)}; use [defaults], [[site]]")
    file_defaults = data.get("defaults", {})
    if not isinstance(file_defaults, dict):
        raise BatchError(f"{path}: [defaults] must be a table")
    _check_fields(file_defaults, f"{path}: [defaults]", allow_name=False)
    entries = data.get("site", [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise BatchError(f"{path}: sites must be [[site]] tables")
    return file_defaults, entries


def _check_name(entry: dict[str, Any], where: str) -> None:
    if "name" in entry and not isinstance(entry["name"], str):
        raise BatchError(f"{where}: 'name' must be a string")


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


# -- URLs ---------------------------------------------------------------------------------------


def canonical_url(url: str) -> str:
    """The URL a site of a batch or a schedule is scanned at, or ``ConfigError`` (one line).

    Only ``http(s)`` URLs with a host (``scan``'s own check, ``check_start_url``): never
    ``file:``, ``javascript:`` or an empty URL. The scheme and host are lowercased, an IDN
    host is written in punycode (``idna``, UTS 46), a default port and the fragment are
    dropped, and the path and query are percent-encoded (``w3lib``). A URL without a scheme
    gets ``https://``, as ``cookiescan scan`` gives it.

    >>> canonical_url("HTTP://Example.COM:80")
    'http://example.com/'
    >>> canonical_url("https://münchen.test/straße")
    'https://xn--mnchen-3ya.test/stra%C3%9Fe'
    """
    text = url.strip() if isinstance(url, str) else ""
    if _READY_URL.fullmatch(text):
        return text  # already canonical: most lines of a long sites file
    if not text:
        raise ConfigError("no URL given")
    if "://" not in text and not text.lower().startswith(("javascript:", "data:", "file:")):
        text = "https://" + text
    parts = urlsplit(text)
    if parts.scheme.lower() in ("http", "https"):
        try:
            port = parts.port
        except ValueError:
            raise ConfigError(f"invalid port in URL {text!r}") from None
        host = (parts.hostname or "").rstrip(".")
        if host and not host.isascii():
            try:
                host = idna.encode(host, uts46=True).decode("ascii")
            except idna.IDNAError as exc:
                raise ConfigError(f"invalid host name {host!r} ({exc})") from None
        if ":" in host:
            host = f"[{host}]"  # an IPv6 literal keeps its brackets
        default = {"http": 80, "https": 443}[parts.scheme.lower()]
        netloc = host.lower() + (f":{port}" if port not in (None, default) else "")
        userinfo = parts.netloc.rpartition("@")[0]
        text = urlunsplit(parts._replace(netloc=f"{userinfo}@{netloc}" if userinfo else netloc))
    checked = check_start_url(text)
    # w3lib's quoting is the slowest step of a long sites file: skip it when there is nothing
    # to quote (printable ASCII that needs no escape, no "%" whose case it might change).
    return checked if _PLAIN_URL.fullmatch(checked) else safe_url_string(checked)


def dedupe_key(url: str) -> str:
    """Two ``canonical_url``s of one page have the same key: the query sorted and escapes
    made alike (``w3lib.url.canonicalize_url``). The site is scanned at its
    ``canonical_url``; the key only finds duplicates."""
    if _CANONICAL_URL.fullmatch(url):
        return url  # the slowest step of a long sites file, skipped when it changes nothing
    return canonicalize_url(url)


config_from_dict = ScanConfig.from_dict


def slug(url: str) -> str:
    """A file-name-safe name for a site: its host, plus its path when there is one."""
    parts = urlsplit(url)
    text = (parts.hostname or "site") + (parts.path.rstrip("/") or "")
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("_")[:120] or "site"


def _unique(name: str, taken: set[str], counters: dict[str, int]) -> str:
    """``name-2``, ``name-3``…: the first free one, starting after the last one given (a
    counter per name, so 200,000 lines of one host take linear time, not quadratic)."""
    number = counters.get(name, 2)
    while f"{name}-{number}" in taken:
        number += 1
    counters[name] = number + 1
    return f"{name}-{number}"


# -- one job ----------------------------------------------------------------------------------

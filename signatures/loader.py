"""Reading signature files and packs from disk.

Two kinds of TOML file:

- a **service file** (``signatures/services/mailjet.toml``): one service, its ``id`` equal to
  the file name stem. The project's own files are bundled; a user may add more.
- a **pack** (``open-cookie-database.toml`` in the user data dir): a ``[pack]`` table naming
  its source and licence, then ``[[services]]``. Packs are imported data: the project's own
  services take precedence over them.

Both are declared in ``signatures.schema`` and validated whole (``signatures.validate``)
before any ``Service`` is built; a ``Service`` then keeps the parsed table itself.

The user data dir is ``$XDG_DATA_HOME/cookiescan/signatures`` (default
``~/.local/share/cookiescan/signatures``).
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from .errors import SignatureError
from .model import Service
from .validate import validate_pack, validate_service

BUNDLED_DIR = Path(__file__).parent / "services"
_PACKAGE_DIR = Path(__file__).parent


def user_data_dir() -> Path:
    """The directory that holds user packs (may not exist yet).

    Example::

        >>> user_data_dir().parts[-2:]
        ('cookiescan', 'signatures')
    """
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local/share")
    return Path(base) / "cookiescan" / "signatures"


def default_paths() -> list[Path]:
    """The bundled services directory, then the user data dir."""
    return [BUNDLED_DIR, user_data_dir()]


def display_name(path: Path) -> str:
    """A short name for messages: ``services/x.toml`` for bundled files, else the path."""
    try:
        return str(path.resolve().relative_to(_PACKAGE_DIR.resolve()))
    except ValueError:
        return str(path)


def iter_files(paths: Iterable[str | os.PathLike[str]]) -> Iterator[Path]:
    """Every ``*.toml`` file in ``paths`` (files as given, directories sorted, not recursive).

    A directory that does not exist is skipped (the user data dir is optional); a missing
    file is an error.
    """
    for entry in paths:
        path = Path(entry)
        if path.is_dir():
            yield from sorted(path.glob("*.toml"))
        elif path.is_file():
            yield path
        elif path.suffix:
            raise SignatureError(f"{path}: no such file")


def read_file(path: Path) -> list[Service]:
    """Parse and validate one service file or pack; return its services.

    Raises ``SignatureError("services/x.toml: ...")`` for bad TOML and bad fields.
    """
    where = display_name(path)
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise SignatureError(f"{where}: not valid TOML ({exc})") from None
    except OSError as exc:
        raise SignatureError(f"{where}: cannot read ({exc.strerror})") from None
    if "pack" in data:
        return _read_pack(data, where)
    validate_service(data, where)
    if data["id"] != path.stem:
        raise SignatureError(f"{where}: 'id' must equal the file name stem {path.stem!r}")
    return [_service(data, where, None)]


def _read_pack(data: dict[str, Any], where: str) -> list[Service]:
    validate_pack(data, where)
    name = data["pack"]["name"]
    services, seen = [], set()
    for i, entry in enumerate(data.get("services", [])):
        label = f"{where}: services[{i}] ({entry['id']})"
        if entry["id"] in seen:
            raise SignatureError(f"{label}: duplicate id {entry['id']!r} in the pack")
        seen.add(entry["id"])
        services.append(_service(entry, label, name))
    return services


def _service(data: dict[str, Any], origin: str, pack: str | None) -> Service:
    """A ``Service`` of a validated table just parsed (nobody else holds it: no copy)."""
    return Service(data["id"], data["name"], data["category"], origin, pack, data)


def read_all(paths: Iterable[str | os.PathLike[str]] | None = None) -> list[Service]:
    """Read every file under ``paths`` (default: bundled + user dir), own services first.

    Cross-file rules: an id may be defined once among own services; a pack service whose id
    an own service already uses is dropped (own entries take precedence); two packs may not
    share an id.
    """
    own: dict[str, Service] = {}
    imported: dict[str, Service] = {}
    for path in iter_files(default_paths() if paths is None else paths):
        for service in read_file(path):
            target = imported if service.imported else own
            if service.id in target:
                raise SignatureError(
                    f"{service.origin}: id {service.id!r} is already defined by "
                    f"{target[service.id].origin}"
                )
            target[service.id] = service
    return list(own.values()) + [s for i, s in imported.items() if i not in own]

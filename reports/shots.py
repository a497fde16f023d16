"""Banner screenshots beside a result JSON file instead of inside it: written as PNG files in
the file's sibling folder, and read back from that folder only, safely.

A result keeps each banner screenshot (``consent.details.screenshot_before`` /
``screenshot_after``) as a ``data:image/png;base64,...`` URI in memory and in the history.
Written as JSON to a file ``r.json``, each one becomes ``r.screenshots/<phase>-<when>.png``
and the field holds that path, relative to the JSON file's folder. ``load_result`` turns the
path back into a data URI, reading nothing but a ``.png`` file of at most
``MAX_SCREENSHOT_BYTES`` directly inside ``r.screenshots/`` (no symbolic link, no ``..``):
a hostile or edited JSON that names another file gets no file read, only a warning.

Example::

    data = result.to_dict()
    files = split_screenshots(data, shots_folder(Path("r.json")).name)
    # data[...]["screenshot_before"] == "r.screenshots/accept-all-before.png"
    # files == {"accept-all-before.png": b"\\x89PNG...", ...}
    resolve_screenshots(data, Path("r.json"), warn=print)   # data URIs again
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import os
import re
import stat
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

__all__ = [
    "MAX_SCREENSHOT_BYTES",
    "SCREENSHOT_KEYS",
    "drop_screenshots",
    "resolve_screenshots",
    "shots_folder",
    "split_screenshots",
    "write_screenshots",
]

#: The screenshot fields of ``ConsentAction.details``, and the ``<when>`` of their file names.
SCREENSHOT_KEYS: dict[str, str] = {"screenshot_before": "before", "screenshot_after": "after"}
#: A screenshot file larger than this is not read back (a banner clip is well under 1 MB).
MAX_SCREENSHOT_BYTES = 10 * 1024 * 1024

PNG_PREFIX = "data:image/png;base64,"
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
#: The only file names written, and the only ones read back: ``accept-all-before.png``.
_FILE_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,80}-(?:before|after)\.png")


def shots_folder(json_path: str | Path) -> Path:
    """The screenshot folder of a result file: ``r.json`` -> ``r.screenshots``, beside it."""
    path = Path(json_path)
    return path.with_name(f"{path.stem}.screenshots")


def _shot_fields(data: Any) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """``(phase, key, details)`` for each screenshot field of a result as plain data; a
    malformed result yields what it can (the model's checks report the rest)."""
    phases = data.get("phases") if isinstance(data, dict) else None
    for phase in phases if isinstance(phases, list) else ():
        consent = phase.get("consent") if isinstance(phase, dict) else None
        details = consent.get("details") if isinstance(consent, dict) else None
        if not isinstance(details, dict):
            continue
        for key in SCREENSHOT_KEYS:
            if key in details:
                yield str(phase.get("phase")), key, details


def drop_screenshots(data: dict[str, Any]) -> None:
    """Remove every screenshot field from ``data`` (JSON on stdout, without
    ``--embed-screenshots``)."""
    for _phase, key, details in list(_shot_fields(data)):
        del details[key]


def _png_bytes(value: Any) -> bytes | None:
    """The PNG in a ``data:image/png;base64,`` URI that encodes back to the same text (so the
    round trip file -> URI is exact), else None."""
    if not isinstance(value, str) or not value.startswith(PNG_PREFIX):
        return None
    encoded = value[len(PNG_PREFIX) :]
    try:
        raw = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        return None
    if not raw.startswith(_PNG_MAGIC) or base64.b64encode(raw).decode("ascii") != encoded:
        return None
    return raw


def split_screenshots(data: dict[str, Any], folder_name: str) -> dict[str, bytes]:
    """Replace each PNG screenshot in ``data`` by ``<folder_name>/<phase>-<when>.png`` and
    return the files to write, ``{file name: PNG bytes}``. A value that is not a PNG data URI
    (a hand-built result) stays as it is."""
    files: dict[str, bytes] = {}
    for phase, key, details in list(_shot_fields(data)):
        raw = _png_bytes(details[key])
        name = f"{re.sub(r'[^a-z0-9_-]', '-', phase.lower())[:80]}-{SCREENSHOT_KEYS[key]}.png"
        if raw is None or not _FILE_NAME.fullmatch(name) or name in files:
            continue
        files[name] = raw
        details[key] = f"{folder_name}/{name}"
    return files


def write_screenshots(
    folder: Path, files: dict[str, bytes], write: Callable[[Path, bytes], None]
) -> Callable[[], None]:
    """Write ``files`` into ``folder`` (created if needed) with ``write`` (atomic), and remove
    the screenshots of an earlier result left there; return an undo that removes what was
    written (and the folder, if it was new) when the JSON itself then cannot be written.
    ``OSError`` when the folder or a file cannot be written (nothing is left behind)."""
    if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
        raise OSError(f"{folder} is not a folder")
    new = not folder.exists()
    if files or not new:
        folder.mkdir(exist_ok=True)
    written: list[Path] = []

    def undo() -> None:
        for path in written:
            with contextlib.suppress(OSError):
                path.unlink()
        if new:
            with contextlib.suppress(OSError):
                folder.rmdir()

    try:
        for name, raw in files.items():
            write(folder / name, raw)
            written.append(folder / name)
    except BaseException:
        undo()
        raise
    if not new:
        for old in folder.iterdir():
            if _FILE_NAME.fullmatch(old.name) and old.name not in files and not old.is_dir():
                with contextlib.suppress(OSError):
                    old.unlink()
    return undo


def resolve_screenshots(
    data: Any, json_path: str | Path, warn: Callable[[str], None], *, source: str = ""
) -> None:
    """Turn each screenshot path in ``data`` (the parsed JSON of ``json_path``) back into a
    data URI. Only ``<json stem>.screenshots/<phase>-<when>.png`` is read, directly in that
    folder, no symbolic link, a PNG of at most ``MAX_SCREENSHOT_BYTES``; any other value that
    is not a data URI is removed, with one ``warn`` line saying why."""
    folder = shots_folder(json_path)
    for phase, key, details in list(_shot_fields(data)):
        value = details[key]
        if value is None or (isinstance(value, str) and value.startswith("data:")):
            continue  # no screenshot, or embedded (--embed-screenshots, an older result)
        raw, problem = _read_shot(folder, value)
        if raw is None:
            del details[key]
            shown = repr(value)[:120]
            warn(f"warning: {source or json_path}: {phase} {key} {shown} not shown: {problem}")
            continue
        details[key] = PNG_PREFIX + base64.b64encode(raw).decode("ascii")


def _read_shot(folder: Path, value: Any) -> tuple[bytes | None, str]:
    """The PNG bytes ``value`` names inside ``folder``, or None and why not."""
    prefix = f"{folder.name}/"
    if not isinstance(value, str) or not value.startswith(prefix):
        return None, f"only files in {prefix} are read"
    name = value[len(prefix) :]
    if not _FILE_NAME.fullmatch(name):
        return None, f"not a screenshot file name (<phase>-before.png or -after.png in {prefix})"
    try:
        if not stat.S_ISDIR(os.lstat(folder).st_mode):
            return None, f"{folder} is not a folder"
        flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
        fd = os.open(folder / name, flags)
    except FileNotFoundError:
        return None, "no such file"
    except OSError as exc:  # ELOOP: a symbolic link
        return None, f"cannot read it ({exc.strerror or exc})"
    with os.fdopen(fd, "rb") as file:
        info = os.fstat(file.fileno())
        if not stat.S_ISREG(info.st_mode):
            return None, "not a regular file"
        if info.st_size > MAX_SCREENSHOT_BYTES:
            return None, f"larger than {MAX_SCREENSHOT_BYTES // (1024 * 1024)} MB"
        raw = file.read(MAX_SCREENSHOT_BYTES + 1)
    if len(raw) > MAX_SCREENSHOT_BYTES:
        return None, f"larger than {MAX_SCREENSHOT_BYTES // (1024 * 1024)} MB"
    if not raw.startswith(_PNG_MAGIC):
        return None, "not a PNG file"
    return raw, ""

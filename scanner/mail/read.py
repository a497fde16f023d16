"""Paths -> raw messages: .eml files, mbox files, folders of them, and raw HTML files.

Nothing is executed or fetched, and sizes are capped: a message over ``max_bytes`` is not
kept (its result says why), and an mbox is read line by line, so a huge one never sits in
memory whole. A path that cannot be read (missing, no permission) becomes an ``Unreadable``.

What a file is, is read from its content, then its name: a file that starts with ``From ``
is an mbox; ``.html``/``.htm``, or a file whose first character is ``<``, is a raw HTML
newsletter; anything else is one message (``.eml``). A folder is walked recursively, in
name order, for ``.eml``, ``.mbox``, ``.mbx``, ``.html``, ``.htm`` and extension-less files
(Maildir); hidden files are skipped.

Example::

    for item in iter_messages(["inbox.mbox"], max_bytes=25 << 20):
        print(item.source, item.kind, len(item.data or b""), item.error)
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Literal

FOLDER_SUFFIXES = frozenset({".eml", ".mbox", ".mbx", ".html", ".htm", ""})
_SNIFF = 4096


@dataclass(frozen=True)
class RawMessage:
    """One message to scan: its bytes, or why they were not kept."""

    source: str
    kind: Literal["eml", "html"]
    data: bytes | None
    size: int
    error: str | None = None


@dataclass(frozen=True)
class Unreadable:
    """A path that could not be read at all."""

    source: str
    reason: str


def _mib(size: int) -> str:
    return f"{size / (1 << 20):.1f} MiB"


def _too_big(size: int, max_bytes: int) -> str:
    return f"message is {_mib(size)}, over the {_mib(max_bytes)} limit: not scanned"


def iter_messages(
    paths: Iterable[str | os.PathLike[str]], *, max_bytes: int
) -> Iterator[RawMessage | Unreadable]:
    """Every message under ``paths``, in order; unreadable paths as ``Unreadable``."""
    for entry in paths:
        path = Path(entry)
        try:
            if path.is_dir():
                for file in _walk(path):
                    yield from _read_file(file, max_bytes)
            else:
                yield from _read_file(path, max_bytes)
        except OSError as exc:
            yield Unreadable(str(path), f"cannot read: {exc.strerror or exc}")


def _walk(folder: Path) -> Iterator[Path]:
    for root, dirs, files in os.walk(folder, onerror=_raise):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            file = Path(root) / name
            if not name.startswith(".") and file.suffix.lower() in FOLDER_SUFFIXES:
                yield file


def _raise(exc: OSError) -> None:
    raise exc


def _read_file(path: Path, max_bytes: int) -> Iterator[RawMessage | Unreadable]:
    try:
        handle = path.open("rb")
    except OSError as exc:
        yield Unreadable(str(path), f"cannot read: {exc.strerror or exc}")
        return
    with handle:
        head = handle.read(_SNIFF)
        kind = _kind_of(path, head)
        if kind == "mbox":
            handle.seek(0)
            yield from _split_mbox(handle, str(path), max_bytes)
            return
        size = os.fstat(handle.fileno()).st_size
        if size > max_bytes:
            yield RawMessage(str(path), kind, None, size, _too_big(size, max_bytes))
            return
        data = head + handle.read(max_bytes + 1 - len(head))
        if len(data) > max_bytes:  # grew while we read it
            yield RawMessage(str(path), kind, None, len(data), _too_big(len(data), max_bytes))
            return
        yield RawMessage(str(path), kind, data, len(data))


def _kind_of(path: Path, head: bytes) -> Literal["eml", "html", "mbox"]:
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"From ") or path.suffix.lower() in (".mbox", ".mbx"):
        return "mbox"
    if path.suffix.lower() in (".html", ".htm"):
        return "html"
    first_line = text.split(b"\n", 1)[0]
    if text.startswith(b"<") and b":" not in first_line.split(b">", 1)[0]:
        return "html"
    return "eml"


def _split_mbox(handle: BinaryIO, name: str, max_bytes: int) -> Iterator[RawMessage]:
    """The messages of an mbox: each starts with a ``From `` line at the start of the file or
    after a blank line (the envelope line itself is dropped)."""
    number, size, started, previous_blank = 0, 0, False, True
    lines: list[bytes] = []

    def finish() -> RawMessage:
        source = f"{name}#{number}"
        if size > max_bytes:
            return RawMessage(source, "eml", None, size, _too_big(size, max_bytes))
        data = b"".join(lines)
        if data.endswith(b"\r\n\r\n"):  # the blank line that separates messages
            data = data[:-2]
        elif data.endswith(b"\n\n"):
            data = data[:-1]
        return RawMessage(source, "eml", data, len(data))

    for line in handle:
        if line.startswith(b"From ") and previous_blank:
            if started:
                yield finish()
            number, lines, size, started = number + 1, [], 0, True
        elif started:
            size += len(line)
            if size <= max_bytes:
                lines.append(line)
            else:
                lines = []  # over the limit: keep counting, stop keeping
        previous_blank = line in (b"\n", b"\r\n")
    if started:
        yield finish()
    else:
        yield RawMessage(name, "eml", None, 0, "no message found: an mbox starts with 'From '")

"""Report files on disk: where a format may go (checked before a scan starts), and writing
each file atomically, so a full disk or a crash never leaves half a report, or destroys the
previous one.

Example::

    check_target("xlsx", None)         # ReportError: --format xlsx is binary: give a file ...
    write_atomically(Path("r.json"), b"{}")
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path

from .load import ReportError

__all__ = ["BINARY_FORMATS", "check_target", "is_dir_target", "write_atomically"]

#: Formats rendered as bytes: they need a file, never a terminal.
BINARY_FORMATS: tuple[str, ...] = ("xlsx", "pdf")


def is_dir_target(fmt: str, path: str | Path) -> bool:
    """Whether ``write(result, fmt, path)`` writes a folder of files (csv to a directory, a
    path ending with ``/`` or one with no suffix that does not exist yet)."""
    if fmt != "csv":
        return False
    text = str(path)
    p = Path(path)
    return p.is_dir() or text.endswith(("/", "\\")) or (not p.suffix and not p.exists())


def check_target(fmt: str, path: str | Path | None, *, shots: bool = True) -> None:
    """Raise ``ReportError`` (one line) when ``fmt`` cannot be written to ``path`` (``None``:
    stdout): a binary format to stdout, a directory for a one-file format, a folder that does
    not exist or cannot be written, and (``shots``: JSON whose banner screenshots go beside
    it) a screenshot folder that is a file or a link. Called before a scan, so a bad
    destination costs no scan.
    """
    if path is None:
        if fmt in BINARY_FORMATS:
            raise ReportError(f"--format {fmt} is binary: give a file with -o")
        return
    target = Path(path)
    if is_dir_target(fmt, path):
        if target.exists():
            _check_folder(target, f"{target}: cannot write the CSV files there")
        else:
            _check_folder(target.parent, f"{target}: cannot create this folder")
        return
    if target.is_dir():
        raise ReportError(f"{target}: is a directory (only --format csv writes a folder of files)")
    if target.exists() and not target.is_file():
        return  # a device or a pipe (/dev/stdout, /dev/null): written in place
    if shots and fmt == "json":
        folder = target.with_name(f"{target.stem}.screenshots")  # reports.shots.shots_folder
        if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
            raise ReportError(
                f"{folder} is in the way: the banner screenshots go in that folder "
                "(move it, or keep them in the JSON with --embed-screenshots)"
            )
    if target.exists():
        if not os.access(target, os.W_OK):
            raise ReportError(f"{target}: cannot write: permission denied")
        return  # in place when its folder is read-only (write_atomically)
    _check_folder(target.parent, f"{target}: cannot write")


def _check_folder(folder: Path, what: str) -> None:
    folder = folder if str(folder) else Path(".")
    if not folder.exists():
        raise ReportError(f"{what}: the folder {folder} does not exist")
    if not folder.is_dir():
        raise ReportError(f"{what}: {folder} is not a folder")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ReportError(f"{what}: the folder {folder} is not writable")


def write_atomically(target: Path, data: bytes) -> None:
    """Write ``data`` to ``target`` through a temporary file in the same folder, renamed over
    it (``os.replace``) once complete and synced: readers see the old file or the new one,
    never a half-written one. A device or a pipe (``/dev/null``) is written in place, and a
    symbolic link's target is replaced, not the link. ``OSError`` when it cannot be done (the
    temporary file is removed)."""
    with contextlib.suppress(OSError):
        if target.is_symlink():
            target = target.resolve()
    try:
        mode = os.stat(target).st_mode
    except FileNotFoundError:
        mode = None
    if mode is not None and not stat.S_ISREG(mode):
        with open(target, "wb") as out:
            out.write(data)
        return
    folder = target.parent if str(target.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.", suffix=".tmp")
    except PermissionError:
        if mode is None:
            raise
        with open(target, "wb") as out:  # a writable file in a read-only folder
            out.write(data)
        return
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, stat.S_IMODE(mode) if mode is not None else 0o666 & ~_umask())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask

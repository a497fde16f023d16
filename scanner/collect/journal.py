"""Stream a scan to disk page by page, so a failed or killed scan keeps every finished page.

A journal is JSON Lines: a ``header`` record (provenance and config), one ``visit`` record per
finished page, one ``phase`` record per finished phase (its consent action), and an ``end``
record. ``load_journal`` rebuilds a ``ScanResult`` from any prefix of it (``complete=False``
when the ``end`` record is missing).

The journal is also where the visits of a scan wait for its end: the collector keeps only
each page's offset in it (``Journal.size`` before the page is written) and the pipeline reads
the visits back in crawl order (``Journal.reader``), so memory does not grow with the pages
during the crawl. A scan given no journal writes a temporary one (``Journal.temporary``): a
file without a name, which the system removes when it is closed or the process dies.

Every line is written storable (``scanner.collect.storable``): a lone surrogate from a page
becomes U+FFFD, and the user name and password of every URL are redacted, as in the result, so
the journal of an interrupted scan keeps no ``user:pass@``.

Example::

    result = load_journal("result.json.partial.jsonl")   # after a crash
"""

from __future__ import annotations

import dataclasses
import json
import os
import tempfile
from pathlib import Path
from typing import IO, Any

from scanner.collect.storable import storable_data
from scanner.model import PHASES, ConsentAction, PhaseResult, ScanResult, Visit, from_dict, to_dict


class Journal:
    """Append-only writer; every record is flushed as soon as it is written.

    ``spool`` marks a temporary journal the pipeline made for a scan that was given none:
    the collector may keep a page in memory when it cannot be written there.
    """

    def __init__(self, path: str | Path, *, spool: IO[bytes] | None = None) -> None:
        self.path, self.spool = Path(path), spool is not None
        self._file: IO[bytes] = spool if spool is not None else self.path.open("wb")
        #: Bytes written so far: the offset of the next record.
        self.size = 0
        #: A spool journal that could not be written: nothing more is written to it.
        self.lost = False

    @classmethod
    def temporary(cls) -> Journal | None:
        """A spool journal: a file in the temporary folder without a name (gone when
        ``discard`` closes it, or when the process is killed), or None when none can be made."""
        try:
            handle = tempfile.TemporaryFile(prefix="cookiescan-", suffix=".jsonl")
        except OSError:
            return None
        return cls(Path(tempfile.gettempdir()) / "(spool)", spool=handle)

    def write(self, kind: str, data: dict[str, Any]) -> None:
        """Append one record. A spool journal that cannot be written (a full disk) stops
        writing and raises nothing: ``size`` stays where it was, which tells the caller."""
        if self.lost:
            return
        record = storable_data({"type": kind, **data}, redact=True)
        line = (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")
        try:
            self._file.write(line)
            self._file.flush()
        except OSError:
            if not self.spool:
                raise
            self.lost = True
            return
        self.size += len(line)

    def header(self, result: ScanResult) -> None:
        data = to_dict(result)
        for key in ("phases", "matches", "findings", "services"):
            data.pop(key, None)
        self.write("header", data)

    def visit(self, visit: Visit) -> None:
        self.write("visit", {"visit": to_dict(visit)})

    def phase(self, phase: PhaseResult) -> None:
        self.write("phase", {"phase": phase.phase, "consent": to_dict(phase.consent)})

    def end(self, finished_at: str) -> None:
        self.write("end", {"finished_at": finished_at})

    def close(self) -> None:
        """Close the journal; a spool journal stays open to be read (``discard`` ends it)."""
        if self.spool:
            return
        self._file.close()

    def discard(self) -> None:
        """Close a spool journal, which removes it."""
        try:
            self._file.close()
        except OSError:  # its last flush, on a full disk
            pass

    def reader(self) -> JournalReader:
        """A reader of the visits written (after ``close``). A spool journal is read through
        a reader of its own on the same file, past any bytes a full disk left unwritten."""
        if self.spool:
            return JournalReader(os.fdopen(self._file.fileno(), "rb", closefd=False))
        return JournalReader(self.path)


class JournalReader:
    """Reads visits back from a journal by offset (``Journal.size`` before each was written).

    Example::

        with JournalReader(journal.path) as reader:
            visits = [reader.visit(offset) for offset in offsets]
    """

    def __init__(self, source: str | Path | IO[bytes]) -> None:
        """``source``: a journal's path, or a binary file the reader then owns."""
        self._file: IO[bytes] = (
            Path(source).open("rb") if isinstance(source, str | Path) else source
        )

    def visit(self, offset: int) -> Visit:
        self._file.seek(offset)
        record = storable_data(json.loads(self._file.readline()))
        if record.get("type") != "visit":
            raise ValueError(f"no visit record at offset {offset} of the journal")
        return from_dict(Visit, record["visit"])

    def __enter__(self) -> JournalReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self._file.close()


def load_journal(path: str | Path) -> ScanResult:
    """Rebuild the result of a (possibly interrupted) scan from its journal."""
    header: dict[str, Any] | None = None
    visits: dict[str, list[Visit]] = {}
    consents: dict[str, ConsentAction | None] = {}
    finished_at = None
    with Path(path).open(encoding="utf-8") as handle:
        for line in handle:
            try:
                record = storable_data(json.loads(line))
            except json.JSONDecodeError:
                break  # a line cut short by a crash: keep everything before it
            kind = record.pop("type", None)
            if kind == "header":
                header = record
            elif kind == "visit":
                visit = from_dict(Visit, record["visit"])
                visits.setdefault(visit.phase, []).append(visit)
            elif kind == "phase":
                consent = record.get("consent")
                consents[record["phase"]] = from_dict(ConsentAction, consent) if consent else None
            elif kind == "end":
                finished_at = record.get("finished_at")
    if header is None:
        raise ValueError(f"{path}: not a cookiescan journal (no header record)")
    phases = tuple(
        PhaseResult(p, tuple(visits.get(p, ())), consents.get(p))  # type: ignore[arg-type]
        for p in PHASES
        if p in visits or p in consents
    )
    header.update(finished_at=finished_at, complete=finished_at is not None)
    return dataclasses.replace(ScanResult.from_dict(header), phases=phases)

"""Stream a scan to disk page by page, so a failed or killed scan keeps every finished page.

A journal is JSON Lines: a ``header`` record (provenance and config), one ``visit`` record per
finished page, one ``phase`` record per finished phase (its consent action), and an ``end``
record. ``load_journal`` rebuilds a ``ScanResult`` from any prefix of it (``complete=False``
when the ``end`` record is missing).

Every line is written storable (``scanner.collect.storable``): a lone surrogate from a page
becomes U+FFFD, and the user name and password of every URL are redacted, as in the result, so
the journal of an interrupted scan keeps no ``user:pass@``.

Example::

    result = load_journal("result.json.partial.jsonl")   # after a crash
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import IO, Any

from scanner.collect.storable import storable_data
from scanner.model import PHASES, ConsentAction, PhaseResult, ScanResult, Visit, from_dict, to_dict


class Journal:
    """Append-only writer; every record is flushed as soon as it is written."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._file: IO[str] = self.path.open("w", encoding="utf-8")

    def write(self, kind: str, data: dict[str, Any]) -> None:
        record = storable_data({"type": kind, **data}, redact=True)
        self._file.write(json.dumps(record, ensure_ascii=False) + "\n")
        self._file.flush()

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

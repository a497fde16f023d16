"""The state of queued batches, kept in the history database (so every worker and the client
that waits see the same): one ``batches`` row per batch, one ``batch_sites`` row per site.

A site goes ``queued`` → ``running`` (each delivery counts an attempt) → ``retrying`` →
``ok`` | ``page-errors`` | ``failed``; the last three are final. Its ``outcome`` is the same
JSON as a local batch's (``scanner.fleet.batch.Outcome``), and ``scan_id`` its scan in the
history. Writing a final state twice (a task delivered again) leaves the first one.

Example::

    create(db, "b-1a2b", jobs, out_dir="out/")
    finish(db, "b-1a2b", "www.example.com", outcome, scan_id=7)
    rows = sites(db, "b-1a2b")      # file order
"""

from __future__ import annotations

import datetime as _dt
import json
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from scanner.fleet.history import _begin, metadata
from scanner.fleet.sites import Job

FINAL = ("ok", "page-errors", "failed")

batches = sa.Table(
    "batches",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("created_at", sa.String(40), nullable=False),
    sa.Column("sites", sa.Integer, nullable=False),
    sa.Column("out_dir", sa.String(2000)),
)

batch_sites = sa.Table(
    "batch_sites",
    metadata,
    sa.Column("batch_id", sa.String(64), sa.ForeignKey("batches.id"), primary_key=True),
    sa.Column("name", sa.String(500), primary_key=True),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("url", sa.String(2000), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("scan_id", sa.Integer, sa.ForeignKey("scans.id")),
    sa.Column("outcome", sa.Text),
    sa.Column("updated_at", sa.String(40), nullable=False),
)

Db = str | Path | None


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


def create(db: Db, batch_id: str, jobs: list[Job], *, out_dir: str | None = None) -> None:
    """Record batch ``batch_id`` and its sites, all ``queued``."""
    now = _now()
    with _begin(db) as conn:
        conn.execute(
            batches.insert().values(id=batch_id, created_at=now, sites=len(jobs), out_dir=out_dir)
        )
        if jobs:
            conn.execute(
                batch_sites.insert(),
                [
                    {
                        "batch_id": batch_id,
                        "name": job.name,
                        "position": n,
                        "url": job.config.get("url", ""),
                        "status": "queued",
                        "attempts": 0,
                        "updated_at": now,
                    }
                    for n, job in enumerate(jobs)
                ],
            )


def add_site(db: Db, batch_id: str, job: Job) -> None:
    """Record a batch of one site (a scheduled scan), ``queued``."""
    create(db, batch_id, [job])


def _where(batch_id: str, name: str) -> sa.ColumnElement[bool]:
    return sa.and_(batch_sites.c.batch_id == batch_id, batch_sites.c.name == name)


def get(db: Db, batch_id: str, name: str) -> dict[str, Any] | None:
    """The row of one site, its ``outcome`` decoded; None when unknown."""
    with _begin(db) as conn:
        row = conn.execute(sa.select(batch_sites).where(_where(batch_id, name))).first()
    return _decoded(row._mapping) if row else None


def start(db: Db, batch_id: str, name: str) -> dict[str, Any] | None:
    """Count a delivery of the site's task and mark it ``running`` unless it is final.

    Returns the row as it was before (None when the site is unknown).
    """
    before = get(db, batch_id, name)
    if before is None or before["status"] in FINAL:
        return before
    with _begin(db) as conn:
        conn.execute(
            batch_sites.update()
            .where(_where(batch_id, name))
            .where(batch_sites.c.status.not_in(FINAL))
            .values(status="running", attempts=batch_sites.c.attempts + 1, updated_at=_now())
        )
    return before


def set_status(db: Db, batch_id: str, name: str, status: str, outcome: dict | None = None) -> None:
    """A state that is not final (``retrying``), with the outcome that caused it."""
    with _begin(db) as conn:
        conn.execute(
            batch_sites.update()
            .where(_where(batch_id, name))
            .where(batch_sites.c.status.not_in(FINAL))
            .values(status=status, outcome=_encoded(outcome), updated_at=_now())
        )


def finish(db: Db, batch_id: str, name: str, outcome: dict, scan_id: int | None) -> None:
    """The site's final state (``outcome["status"]``), unless it has one already."""
    with _begin(db) as conn:
        conn.execute(
            batch_sites.update()
            .where(_where(batch_id, name))
            .where(batch_sites.c.status.not_in(FINAL))
            .values(
                status=outcome["status"],
                outcome=_encoded(outcome),
                scan_id=scan_id,
                updated_at=_now(),
            )
        )


def sites(db: Db, batch_id: str) -> list[dict[str, Any]]:
    """Every site of the batch in file order; ``KeyError`` when there is no such batch."""
    with _begin(db) as conn:
        known = conn.execute(sa.select(batches.c.id).where(batches.c.id == batch_id)).first()
        rows = conn.execute(
            sa.select(batch_sites)
            .where(batch_sites.c.batch_id == batch_id)
            .order_by(batch_sites.c.position)
        ).all()
    if known is None:
        raise KeyError(f"no batch with id {batch_id} in the history database")
    return [_decoded(row._mapping) for row in rows]


def status(db: Db, batch_id: str) -> dict[str, Any]:
    """Counts by state and each site's state, attempts, scan id and reason."""
    rows = sites(db, batch_id)
    counts: dict[str, int] = {}
    for row in rows:
        counts[row["status"]] = counts.get(row["status"], 0) + 1
    return {
        "batch": batch_id,
        "sites": len(rows),
        "done": sum(1 for r in rows if r["status"] in FINAL),
        "counts": counts,
        "outcomes": [
            {
                "name": r["name"],
                "url": r["url"],
                "status": r["status"],
                "attempts": r["attempts"],
                "history_id": r["scan_id"],
                "reason": (r["outcome"] or {}).get("reason", ""),
            }
            for r in rows
        ],
    }


def _encoded(outcome: dict | None) -> str | None:
    return json.dumps(outcome, ensure_ascii=False) if outcome is not None else None


def _decoded(row: Any) -> dict[str, Any]:
    data = dict(row)
    data["outcome"] = json.loads(data["outcome"]) if data.get("outcome") else None
    return data

"""``cookiescan keygen`` and ``cookiescan verify``: sign evidence packs, and check one.

``verify`` exits 0 only when the pack is intact: every file listed with its hash, nothing
added, and the signature valid (and made by ``--key`` when given); 1 when something changed
(each change on its own line), 2 when there is no manifest to check. Given a batch's evidence
folder (``batch --evidence DIR``: one pack per site in ``DIR/NAME``), it checks every pack in it
and exits 0 only when all are intact.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from scanner.errors import ConfigError, printable
from scanner.evidence import MANIFEST, Verification, generate_keys, verify

EXIT_CHANGED, EXIT_USAGE = 1, 2


@click.command("keygen")
@click.argument("private_key", type=click.Path(dir_okay=False))
def keygen(private_key: str) -> None:
    """Make an Ed25519 key pair for signing evidence packs: PRIVATE_KEY (readable by you
    only; give it to scan --evidence-key) and PRIVATE_KEY.pub (give it to whoever verifies).

    \b
        cookiescan keygen ~/.config/cookiescan/evidence.key
    """
    try:
        private, public = generate_keys(private_key)
    except ConfigError as exc:
        click.echo(f"cookiescan keygen: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    click.echo(f"private key: {private} (keep it secret)\npublic key:  {public}")


@click.command("verify")
@click.argument("directory", type=click.Path(file_okay=False))
@click.option("--key", "public_key", type=click.Path(dir_okay=False), metavar="PUBLIC_KEY",
              help="Also require the signature of this public key (a .pub of keygen).")  # fmt: skip
def verify_command(directory: str, public_key: str | None) -> None:
    """Check an evidence pack (scan --evidence DIR): every file's SHA-256 against the
    manifest, and its signature. Exit 0 only when intact; 1 names what changed. A batch's
    folder (batch --evidence DIR) has a pack per site: each is checked, one line per pack.

    \b
        cookiescan verify evidence/ --key evidence.key.pub
    """
    root = Path(directory)
    packs = batch_packs(root)
    if packs:
        reports = {name: _verified(path, public_key) for name, path in packs.items()}
        for name, report in reports.items():
            for problem in report.problems:
                click.echo(printable(f"{name}: {problem}"))
            click.echo(printable(f"{name}: {_verdict(report)}"))
        for rest in sorted(p.name for p in root.iterdir() if p.is_dir() and p.name not in packs):
            click.echo(printable(f"{rest}: no manifest (a scan that did not finish; not evidence)"))
        broken = sum(1 for r in reports.values() if not r.intact)
        click.echo(f"{len(reports) - broken} of {len(reports)} pack(s) intact")
        sys.exit(EXIT_CHANGED if broken else 0)
    report = _verified(root, public_key)
    for problem in report.problems:
        click.echo(printable(problem))
    click.echo(_verdict(report))
    if not report.intact:
        sys.exit(EXIT_CHANGED)


def batch_packs(root: Path) -> dict[str, Path]:
    """The packs of a batch's evidence folder (its sub-folders with a manifest), by name;
    empty when ``root`` is a pack itself or holds none."""
    if (root / MANIFEST).exists() or not root.is_dir():
        return {}
    return {p.name: p for p in sorted(root.iterdir()) if p.is_dir() and (p / MANIFEST).exists()}


def _verified(directory: Path, public_key: str | None) -> Verification:
    try:
        return verify(directory, public_key)
    except ConfigError as exc:
        click.echo(f"cookiescan verify: {exc}", err=True)
        sys.exit(EXIT_USAGE)


def _verdict(report: Verification) -> str:
    signed = f"signed by {report.signer}" if report.signed else "UNSIGNED (hashes only)"
    if report.intact:
        return f"intact: {report.files} file(s), {signed}"
    return f"NOT intact: {len(report.problems)} problem(s); {signed}"

"""``cookiescan keygen`` and ``cookiescan verify``: sign evidence packs, and check one.

``verify`` exits 0 only when the pack is intact: every file listed with its hash, nothing
added, and the signature valid (and made by ``--key`` when given); 1 when something changed
(each change on its own line), 2 when there is no manifest to check.
"""

from __future__ import annotations

import sys

import click

from scanner.errors import ConfigError, printable
from scanner.evidence import generate_keys, verify

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
    manifest, and its signature. Exit 0 only when intact; 1 names what changed.

    \b
        cookiescan verify evidence/ --key evidence.key.pub
    """
    try:
        report = verify(directory, public_key)
    except ConfigError as exc:
        click.echo(f"cookiescan verify: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    for problem in report.problems:
        click.echo(printable(problem))
    signed = f"signed by {report.signer}" if report.signed else "UNSIGNED (hashes only)"
    if report.intact:
        click.echo(f"intact: {report.files} file(s), {signed}")
        return
    click.echo(f"NOT intact: {len(report.problems)} problem(s); {signed}")
    sys.exit(EXIT_CHANGED)

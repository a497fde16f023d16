"""Seal an evidence folder with a manifest (hashes, versions, configuration, signature) and
verify one.

The signed bytes are the manifest's body as canonical JSON (sorted keys, no spaces, ASCII), so
anyone can re-check it with any Ed25519 tool. A folder sealed without a key says so
(``"signature": null``, ``"unsigned": "…"``): its hashes then show that the files agree with
the manifest, not who wrote it.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scanner.errors import ConfigError
from scanner.evidence.keys import (
    load_private,
    load_public,
    public_from_text,
    public_text,
    signature_ok,
)

MANIFEST = "manifest.json"
FORMAT = "cookiescan-evidence/1"
UNSIGNED = (
    "UNSIGNED: no key was given (cookiescan keygen); the hashes show the files match this "
    "manifest, not who made it"
)
#: The configuration fields that describe the visitor.
VISITOR = ("device", "locale", "timezone", "geolocation", "proxy", "user_agent", "cookies",
           "headers", "storage_state")  # fmt: skip


def canonical(body: dict[str, Any]) -> bytes:
    """The bytes that are signed: ``body`` as sorted, compact, ASCII JSON."""
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def _digest(path: Path) -> tuple[str, int]:
    sha, size = hashlib.sha256(), 0
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            sha.update(chunk)
            size += len(chunk)
    return sha.hexdigest(), size


def _files(root: Path) -> dict[str, Path]:
    """Every regular file under ``root`` but the manifest, by its POSIX path; symbolic links
    are not followed (a link could point anywhere)."""
    found: dict[str, Path] = {}
    for folder, dirs, names in os.walk(root, followlinks=False):
        dirs.sort()
        for name in sorted(names):
            path = Path(folder) / name
            rel = path.relative_to(root).as_posix()
            if rel != MANIFEST:
                found[rel] = path
    return dict(sorted(found.items()))


def seal(directory: str | Path, result: Any, key_file: str | Path | None = None) -> Path:
    """Write ``manifest.json`` for the folder's files and ``result`` (a ``ScanResult`` or its
    dict); signed with the Ed25519 private key in ``key_file`` when given."""
    root = Path(directory)
    data = result if isinstance(result, dict) else result.to_dict()
    config = data.get("config") or {}
    entries = []
    for rel, path in _files(root).items():
        if path.is_symlink() or not path.is_file():
            raise ConfigError(f"{path}: not a regular file; an evidence pack holds files only")
        sha, size = _digest(path)
        entries.append({"path": rel, "sha256": sha, "bytes": size})
    body = {
        "format": FORMAT,
        "tool": {"name": "cookiescan", "version": data.get("tool_version")},
        "browser": data.get("browser_version"),
        "start_url": data.get("start_url"),
        "started_at": data.get("started_at"),
        "finished_at": data.get("finished_at"),
        "sealed_at": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "complete": data.get("complete"),
        "config": config,
        "visitor": {k: config.get(k) for k in VISITOR if k in config},
        "files": entries,
    }
    document: dict[str, Any] = {"manifest": body}
    if key_file:
        key = load_private(key_file)
        signature = key.sign(canonical(body))
        document["signature"] = {
            "algorithm": "Ed25519",
            "public_key": public_text(key.public_key()),
            "value": _b64(signature),
        }
    else:
        document["signature"] = None
        document["unsigned"] = UNSIGNED
    target = root / MANIFEST
    temp = root / f".{MANIFEST}.tmp"
    temp.write_text(json.dumps(document, indent=2, ensure_ascii=True) + "\n", encoding="utf-8")
    os.replace(temp, target)
    return target


def _b64(data: bytes) -> str:
    import base64

    return base64.b64encode(data).decode("ascii")


@dataclass
class Verification:
    """What ``verify`` found: ``intact`` only when every file matches and the signature (if
    any, or required) holds."""

    intact: bool = True
    signed: bool = False
    signer: str | None = None
    files: int = 0
    problems: list[str] = field(default_factory=list)

    def problem(self, text: str) -> None:
        self.intact = False
        self.problems.append(text)


def verify(directory: str | Path, public_key_file: str | Path | None = None) -> Verification:
    """Check the folder against its manifest; with ``public_key_file``, also that this key
    signed it. ``ConfigError`` when there is no readable manifest at all."""
    root = Path(directory)
    try:
        document = json.loads((root / MANIFEST).read_text(encoding="utf-8"))
        body = document["manifest"]
        listed = {e["path"]: e for e in body["files"]}
    except OSError as exc:
        raise ConfigError(f"{root}: no evidence manifest ({exc.strerror or exc})") from None
    except (ValueError, KeyError, TypeError) as exc:
        raise ConfigError(f"{root / MANIFEST}: not an evidence manifest ({exc})") from None
    report = Verification(files=len(listed))
    _check_signature(report, document, body, public_key_file)
    present = _files(root)
    for rel, entry in sorted(listed.items()):
        path = present.get(rel)
        if path is None:
            report.problem(f"missing: {rel}")
        elif path.is_symlink() or not path.is_file():
            report.problem(f"replaced by a link or folder: {rel}")
        elif _digest(path) != (entry.get("sha256"), entry.get("bytes")):
            report.problem(f"changed: {rel}")
    for rel in sorted(set(present) - set(listed)):
        if not rel.startswith(f".{MANIFEST}"):
            report.problem(f"added: {rel}")
    return report


def _check_signature(
    report: Verification, document: dict[str, Any], body: Any, key_file: Any
) -> None:
    signature = document.get("signature")
    trusted = load_public(key_file) if key_file else None
    if not signature:
        if trusted is not None:
            report.problem("unsigned, but a signature by the given key was required")
        return
    report.signed = True
    signer = public_from_text(str(signature.get("public_key", "")))
    report.signer = signature.get("public_key")
    if signer is None or signature.get("algorithm") != "Ed25519":
        report.problem("the signature names no valid Ed25519 key")
        return
    if not signature_ok(signer, str(signature.get("value", "")), canonical(body)):
        report.problem("the signature does not match the manifest (the manifest was changed)")
    if trusted is not None and public_text(trusted) != public_text(signer):
        report.problem("signed by another key than the one given")

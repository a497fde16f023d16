"""Ed25519 keys for signing evidence packs (``cookiescan keygen``), with **cryptography**.

The private key is a PEM file readable by its owner only (mode 0600); the public key, to hand
to whoever verifies, sits next to it as ``<name>.pub``. Ed25519: small keys, fast, no
parameters to get wrong, and what signify/minisign and SSH use for the same job.
"""

from __future__ import annotations

import base64
import os
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from scanner.errors import ConfigError


def generate_keys(private_path: str | Path) -> tuple[Path, Path]:
    """Write a new key pair: ``private_path`` (0600) and ``private_path.pub``; never
    overwrites a key."""
    private, public = Path(private_path), Path(f"{private_path}.pub")
    for path in (private, public):
        if path.exists():
            raise ConfigError(f"{path}: already exists; keys are never overwritten")
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    try:
        fd = os.open(private, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(pem)
        public.write_bytes(
            key.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )
    except OSError as exc:
        raise ConfigError(f"{private}: cannot write: {exc.strerror or exc}") from None
    return private, public


def load_private(path: str | Path) -> Ed25519PrivateKey:
    """The Ed25519 private key in PEM file ``path``; ``ConfigError`` when it is not one."""
    data = _read(path)
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        raise ConfigError(f"{path}: not an unencrypted PEM private key ({exc})") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise ConfigError(f"{path}: not an Ed25519 key (make one with cookiescan keygen)")
    return key


def load_public(path: str | Path) -> Ed25519PublicKey:
    """The Ed25519 public key in PEM file ``path``."""
    data = _read(path)
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, TypeError) as exc:
        raise ConfigError(f"{path}: not a PEM public key ({exc})") from None
    if not isinstance(key, Ed25519PublicKey):
        raise ConfigError(f"{path}: not an Ed25519 public key")
    return key


def public_text(key: Ed25519PublicKey) -> str:
    """The raw public key in base64 (what a manifest names as its signer)."""
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode("ascii")


def public_from_text(text: str) -> Ed25519PublicKey | None:
    try:
        return Ed25519PublicKey.from_public_bytes(base64.b64decode(text, validate=True))
    except (ValueError, TypeError):
        return None


def signature_ok(key: Ed25519PublicKey, signature: str, data: bytes) -> bool:
    try:
        key.verify(base64.b64decode(signature, validate=True), data)
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def _read(path: str | Path) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None

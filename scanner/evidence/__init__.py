"""The evidence pack: what the browser saw, kept so that nobody can change it unnoticed.

``scan --evidence DIR`` fills ``DIR`` while it scans (a HAR per phase, full-viewport
screenshots of the start page before and after the banner was operated, and of each page after
its dwell, within a limit) and, once the result is final, keeps only the page screenshots a
finding names (``pages.py``), writes ``result.json`` and seals the folder: ``manifest.json``
lists every file
with its SHA-256 and size, the tool and browser versions, the configuration (credentials
hidden), the visitor profile and the times, and is signed with an Ed25519 key
(``cookiescan keygen``), or marked unsigned. ``cookiescan verify DIR`` recomputes every hash,
checks the signature, and names what changed.

Example::

    manifest = seal(directory, result, key_file="cookiescan.key")
    report = verify(directory, public_key_file="cookiescan.key.pub")
    assert report.intact, report.problems
"""

from scanner.evidence.keys import generate_keys
from scanner.evidence.manifest import MANIFEST, Verification, seal, verify
from scanner.evidence.pack import EvidencePack

__all__ = ["MANIFEST", "EvidencePack", "Verification", "generate_keys", "seal", "verify"]

"""One evidence pack per site of a batch: where it goes, and which folder each attempt uses.

In a batch, ``evidence_dir`` (``--evidence DIR``, the sites file's ``[defaults]`` or a site's
own entry) names the folder that *holds* the packs: site NAME's pack is ``DIR/NAME/``, NAME
being the name of its result file (``SAFE_NAME``: no ``/``, no ``..``). ``with_site_pack``
gives a job that folder, once, before the job runs anywhere.

Each attempt at a site then takes its folder with ``attempt_folder``, right before its scan:

- a folder that does not exist, or is empty, is used;
- an *unsealed* folder (no ``manifest.json``: a scan cut short by a kill, a dead worker) that
  holds nothing but a pack's own files is cleared and used. It proves nothing, and its
  leftovers would otherwise be sealed with the new attempt's files;
- a *sealed* pack is never touched, nor a folder holding anything else: the attempt takes the
  next free folder ``DIR/NAME~2/``, ``DIR/NAME~3/``… (``~`` is not allowed in a site name, so
  no other site's folder can be taken). A site that failed and is scanned again keeps the
  sealed pack of its failure beside the new one.

Example::

    job = with_site_pack(job)                               # config: DIR/NAME
    folder = attempt_folder(job.config["evidence_dir"])     # DIR/NAME, or DIR/NAME~2 …
"""

from __future__ import annotations

import dataclasses
import os
import shutil
from pathlib import Path

from scanner.errors import ConfigError
from scanner.evidence import MANIFEST
from scanner.fleet.sites import SAFE_NAME, Job

#: What a pack's folder holds at its top (``scanner.evidence.pack``), before it is sealed.
PACK_ENTRIES = {"har", "screenshots", "result.json", f".{MANIFEST}.tmp"}
#: Numbered folders tried before giving up (a site scanned this often has a deeper problem).
MAX_ATTEMPTS = 1000


def site_pack(root: str | Path, name: str) -> Path:
    """``root/name``: the pack folder of site ``name``; ``ConfigError`` for an unsafe name."""
    if not SAFE_NAME.fullmatch(name):
        raise ConfigError(f"{name!r}: not a safe name for an evidence folder")
    return Path(root) / name


def with_site_pack(job: Job, *, absolute: bool = False) -> Job:
    """The job with its own pack folder, ``evidence_dir/NAME`` (``absolute``: resolved from
    the current folder, for a worker elsewhere); the job itself when it keeps no evidence."""
    root = job.config.get("evidence_dir")
    if not root:
        return job
    folder = site_pack(Path(root).absolute() if absolute else root, job.name)
    return dataclasses.replace(job, config={**job.config, "evidence_dir": str(folder)})


def sealed(folder: str | Path) -> bool:
    """True when ``folder`` holds a sealed pack (its manifest)."""
    return (Path(folder) / MANIFEST).is_file()


def numbered(folder: Path, number: int) -> Path:
    """``folder`` itself (1), else ``folder~number``."""
    return folder if number == 1 else folder.with_name(f"{folder.name}~{number}")


def attempt_folder(folder: str | Path) -> Path:
    """The folder this attempt writes its pack in: ``folder`` or the first ``folder~N`` that
    is free or holds only an unsealed pack (cleared); never a sealed pack."""
    base = Path(folder)
    for number in range(1, MAX_ATTEMPTS + 1):
        candidate = numbered(base, number)
        if not candidate.exists():
            return candidate
        if _clearable(candidate):
            _clear(candidate)
            return candidate
    raise ConfigError(f"{base}: {MAX_ATTEMPTS} evidence folders already; choose another --evidence")


def latest(folder: str | Path) -> Path | None:
    """The sealed pack of the site's last attempt (``folder~N`` with the highest N), or None."""
    base, found = Path(folder), None
    for number in range(1, MAX_ATTEMPTS + 1):
        candidate = numbered(base, number)
        if not candidate.exists():
            break
        if sealed(candidate):
            found = candidate
    return found


def _clearable(folder: Path) -> bool:
    if not folder.is_dir() or folder.is_symlink() or sealed(folder):
        return False
    return all(entry.name in PACK_ENTRIES for entry in folder.iterdir())


def _clear(folder: Path) -> None:
    """Empty ``folder`` (the leftovers of an unsealed attempt); links are removed, never
    followed."""
    for entry in folder.iterdir():
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            os.unlink(entry)

"""Moving and checking the stored files as a whole: migration to another store, orphans, backups.

Every copy is verified against the SHA-256 recorded on the file's row when it was uploaded, and a
file already present at the target with the same checksum is skipped, so an interrupted migration
is simply run again (resumable).
"""
from __future__ import annotations

import hashlib
import io
import json
import tarfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from extensions import db
from models.files import StoredFile


@dataclass
class TransferReport:
    copied: int = 0
    skipped: int = 0
    missing: list[str] = field(default_factory=list)   # rows whose bytes the source does not have
    damaged: list[str] = field(default_factory=list)   # bytes whose checksum is not the row's

    @property
    def ok(self) -> bool:
        return not self.missing and not self.damaged


def _rows(batch: int = 500):
    last = 0
    while True:
        rows = db.session.scalars(select(StoredFile).where(StoredFile.id > last).order_by(StoredFile.id)
                                  .limit(batch)).all()
        if not rows:
            return
        yield from rows
        last = rows[-1].id
        db.session.expunge_all()


def copy_files(source, target, progress: Callable[[int], None] | None = None) -> TransferReport:
    """Copy every stored file from source to target, verifying checksums; skips what is already there."""
    report = TransferReport()
    for n, row in enumerate(_rows(), start=1):
        if target.sha256_of(row.storage_name) == row.sha256:
            report.skipped += 1
        else:
            try:
                with source.open(row.storage_name) as handle:
                    data = handle.read()
            except FileNotFoundError:
                report.missing.append(row.storage_name)
                data = None
            if data is not None:
                if hashlib.sha256(data).hexdigest() != row.sha256:
                    report.damaged.append(row.storage_name)
                else:
                    if target.exists(row.storage_name):
                        target.delete(row.storage_name)  # a damaged or partial earlier copy
                    target.put(row.storage_name, data, row.mime, row.sha256)
                    if target.sha256_of(row.storage_name) != row.sha256:
                        report.damaged.append(row.storage_name)
                    else:
                        report.copied += 1
        if progress:
            progress(n)
    return report


def orphans(store, min_age_minutes: int = 60) -> list[str]:
    """Names in the store that no file row points at (left by a crash between upload and commit).

    Files younger than min_age_minutes are left out: their upload may still be on its way to a commit.
    """
    import time

    limit = time.time() - min_age_minutes * 60
    listed = [name for name, modified in store.listing() if modified <= limit]
    known = set(db.session.scalars(select(StoredFile.storage_name)))
    return sorted(name for name in listed if name not in known)


# -- backups ----------------------------------------------------------------------------------
# The database dump and the files are written together: the manifest lists every file row of the
# dump with its checksum, and the archive beside it holds those files' bytes, so a restore puts
# back exactly the files the restored rows point at.

def manifest() -> list[dict]:
    return [{"name": r.storage_name, "sha256": r.sha256, "size": r.size, "mime": r.mime} for r in _rows()]


def write_files_archive(store, target: Path, entries: list[dict]) -> TransferReport:
    report = TransferReport()
    partial = target.with_name(target.name + ".partial")
    with tarfile.open(partial, "w") as archive:
        body = json.dumps(entries, ensure_ascii=False, indent=1).encode()
        info = tarfile.TarInfo("manifest.json")
        info.size = len(body)
        archive.addfile(info, io.BytesIO(body))
        for entry in entries:
            try:
                with store.open(entry["name"]) as handle:
                    data = handle.read()
            except FileNotFoundError:
                report.missing.append(entry["name"])
                continue
            if hashlib.sha256(data).hexdigest() != entry["sha256"]:
                report.damaged.append(entry["name"])
            info = tarfile.TarInfo("files/" + entry["name"])
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
            report.copied += 1
    partial.chmod(0o600)
    partial.replace(target)
    return report


def restore_files_archive(store, source: Path) -> TransferReport:
    report = TransferReport()
    with tarfile.open(source, "r") as archive:
        entries = json.loads(archive.extractfile("manifest.json").read())
        for entry in entries:
            if store.sha256_of(entry["name"]) == entry["sha256"]:
                report.skipped += 1
                continue
            member = archive.extractfile("files/" + entry["name"]) if entry["name"] in archive.getnames() or \
                ("files/" + entry["name"]) in archive.getnames() else None
            if member is None:
                report.missing.append(entry["name"])
                continue
            data = member.read()
            if hashlib.sha256(data).hexdigest() != entry["sha256"]:
                report.damaged.append(entry["name"])
                continue
            if store.exists(entry["name"]):
                store.delete(entry["name"])
            store.put(entry["name"], data, entry["mime"], entry["sha256"])
            report.copied += 1
    return report

"""Storing uploaded files and sending them back.

Files are judged by content (workflow.files.sniff_upload), written under
UPLOAD_FOLDER with random names, and described by a StoredFile row that keeps
the original (Arabic) name. Nothing here decides who may download a file: the
access-checked view does (admin_views/files.py, see `file_owner_roles`).
"""
from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path
from urllib.parse import quote

from flask import Response, current_app, send_file
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import FileStorage

from extensions import db
from models.files import StoredFile
from workflow.files import random_storage_name, safe_download_name, sniff_upload

# Types a browser may show inline (and only with the sandboxing headers below).
PREVIEW_MIMES = frozenset({"application/pdf", "image/jpeg", "image/png"})


class UploadError(ValueError):
    """The upload was refused; the message is shown next to the field."""


def upload_folder() -> Path:
    folder = Path(current_app.config["UPLOAD_FOLDER"])
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def max_upload_bytes() -> int:
    return int(current_app.config.get("MAX_CONTENT_LENGTH") or 10 * 1024 * 1024)


def read_upload(upload: FileStorage | None) -> bytes:
    """The uploaded bytes, refusing oversize files even if the request limit was bypassed."""
    if upload is None or not getattr(upload, "filename", ""):
        return b""
    limit = max_upload_bytes()
    data = upload.stream.read(limit + 1)
    if len(data) > limit:
        raise UploadError(_l("The file is larger than the allowed size (%(mb)d MB).", mb=limit // (1024 * 1024)))
    return data


def check_upload(data: bytes) -> tuple[str, str]:
    """(mime, extension) for an acceptable file, else UploadError with the reason."""
    try:
        return sniff_upload(data)
    except ValueError as exc:
        raise UploadError(str(exc)) from None


def save_bytes(data: bytes, original_name: str | None, actor=None) -> StoredFile:
    """Check, write to disk under a random name, add the StoredFile row (caller commits)."""
    mime, ext = check_upload(data)
    name = random_storage_name(ext)
    path = upload_folder() / name
    # O_EXCL: never overwrite an existing file, even with a (impossible) name collision.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    display = safe_download_name(original_name)
    if not display.lower().endswith("." + ext) and not (ext == "jpg" and display.lower().endswith(".jpeg")):
        display = f"{display}.{ext}"  # the real type decides the extension shown on download
    stored = StoredFile(storage_name=name, original_name=display[:255], mime=mime, size=len(data),
                        sha256=hashlib.sha256(data).hexdigest(), uploaded_by_id=getattr(actor, "id", None))
    db.session.add(stored)
    _install_cleanup()
    db.session().info.setdefault(_PENDING, []).append(path)
    return stored


# A rolled-back request leaves no file behind: paths written in the current transaction are
# remembered on the session and removed if it rolls back, forgotten when it commits.
_PENDING = "pending_upload_paths"


def _forget(session, *args) -> None:
    session.info.pop(_PENDING, None)


def _remove_orphans(session, previous_transaction) -> None:
    for path in session.info.pop(_PENDING, []):
        path.unlink(missing_ok=True)


def _install_cleanup() -> None:
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    if not event.contains(Session, "after_commit", _forget):
        event.listen(Session, "after_commit", _forget)
        event.listen(Session, "after_soft_rollback", _remove_orphans)


def save_upload(upload: FileStorage, actor=None) -> StoredFile:
    """Store a werkzeug FileStorage (form upload) and return its StoredFile (not yet committed)."""
    data = read_upload(upload)
    if not data:
        raise UploadError(_l("Choose a file to upload."))
    return save_bytes(data, upload.filename, actor)


def path_of(stored: StoredFile) -> Path:
    name = stored.storage_name
    # Storage names are ours (hex + checked extension); refuse anything else outright.
    if not name or "/" in name or "\\" in name or name.startswith("."):
        raise FileNotFoundError(name)
    return upload_folder() / name


def open_file(stored: StoredFile):
    return path_of(stored).open("rb")


def content_disposition(kind: str, name: str) -> str:
    """RFC 6266/5987: an ASCII fallback plus the UTF-8 (Arabic) name."""
    safe = safe_download_name(name)
    stem, dot, ext = safe.rpartition(".") if "." in safe else (safe, "", "")
    # An Arabic name has no ASCII letters: the fallback is "file.pdf", never ".pdf".
    ascii_stem = "".join(ch if ch.isascii() and ch.isalnum() or ch in "_-" else "_" for ch in stem)
    ascii_stem = re.sub(r"_+", "_", ascii_stem).strip("_-") or "file"
    ascii_ext = "".join(ch for ch in ext if ch.isascii() and ch.isalnum())
    ascii_name = f"{ascii_stem}.{ascii_ext}" if ascii_ext else ascii_stem
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(safe)}"


def send_stored(stored: StoredFile, inline: bool = False) -> Response:
    """The file as an attachment (or inline preview for images/PDF), never sniffed by the browser."""
    path = path_of(stored)
    if not path.exists():
        raise FileNotFoundError(stored.storage_name)
    inline = inline and stored.mime in PREVIEW_MIMES
    response = send_file(path, mimetype=stored.mime if inline else "application/octet-stream",
                         as_attachment=False, conditional=False, etag=False, max_age=0)
    response.headers["Content-Disposition"] = content_disposition("inline" if inline else "attachment",
                                                                  stored.original_name)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"
    # Even when shown inline, the file gets no scripts and no same-origin powers. (Chromium's
    # PDF viewer refuses to run inside a CSP sandbox, so PDFs get the rest of the policy only.)
    policy = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"
    if stored.mime != "application/pdf" or not inline:
        policy += "; sandbox"
    response.headers["Content-Security-Policy"] = policy
    response.headers["X-Frame-Options"] = "SAMEORIGIN" if inline else "DENY"
    return response


def delete_stored(stored: StoredFile) -> None:
    """Remove a file and its row (caller commits); a missing file on disk is not an error."""
    try:
        path_of(stored).unlink()
    except FileNotFoundError:
        pass
    db.session.delete(stored)


# --- who may read a file -----------------------------------------------------------
# Each resolver looks at one kind of owner and returns the roles that may read
# the file, or None when it does not own it. Other parts (research attachments,
# the organisation's logo...) add theirs with register_file_owner().
_OWNERS: list = []


def register_file_owner(resolver) -> None:
    if resolver not in _OWNERS:
        _OWNERS.append(resolver)


def file_readers(stored: StoredFile) -> frozenset:
    """Roles allowed to download/preview this file; an unowned file is for admins only."""
    from workflow.roles import ADMIN_ONLY

    allowed: set = set()
    for resolver in _OWNERS:
        roles = resolver(stored)
        if roles is not None:
            allowed |= set(roles)
    return frozenset(allowed) if allowed else ADMIN_ONLY


def _registry_owners(stored: StoredFile):
    from sqlalchemy import select

    from models.beneficiary import Declaration, Document
    from models.organisation import OrganisationProfile
    from models.reference import StaffTool
    from workflow.roles import ALL, BENEFICIARY_READ

    if db.session.scalar(select(Document.id).where(Document.file_id == stored.id).limit(1)) is not None:
        return BENEFICIARY_READ
    if db.session.scalar(select(Declaration.id).where(Declaration.scan_file_id == stored.id).limit(1)) is not None:
        return BENEFICIARY_READ
    if db.session.scalar(select(StaffTool.id).where(StaffTool.file_id == stored.id).limit(1)) is not None:
        return ALL
    if db.session.scalar(select(OrganisationProfile.id).where(OrganisationProfile.logo_file_id == stored.id)
                         .limit(1)) is not None:
        return ALL
    return None


register_file_owner(_registry_owners)


def purge_files(files) -> int:
    """Delete files whose owner was deleted: the row and the bytes on disk (commits).

    A file still referenced by something else (file_readers finds an owner) is kept.
    """
    removed = 0
    for stored in {f.id: f for f in files if f is not None}.values():
        stored = db.session.get(StoredFile, stored.id)
        if stored is None:
            continue
        if any(resolver(stored) is not None for resolver in _OWNERS):
            continue
        delete_stored(stored)
        removed += 1
    if removed:
        db.session.commit()
    return removed

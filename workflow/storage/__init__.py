"""Storing uploaded files and sending them back.

Files are judged by content (workflow.files.sniff_upload), written with random
names to the configured store, and described by a StoredFile row that keeps the
original (Arabic) name. The store is one interface with two implementations:
`local` (UPLOAD_FOLDER on this server's disk, the default) and `s3` (any
S3-compatible bucket, STORAGE_URL=s3://bucket/prefix), so several app servers can
share the files. Nothing here decides who may download a file: the
access-checked view does (admin_views/files.py, see `file_owner_roles`).
"""
from __future__ import annotations

import hashlib
import logging
import re
from pathlib import Path
from urllib.parse import quote

from flask import Response, current_app, redirect, send_file, stream_with_context
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import FileStorage

from extensions import db
from models.files import StoredFile
from workflow.files import random_storage_name, safe_download_name, sniff_upload

log = logging.getLogger(__name__)

# Types a browser may show inline (and only with the sandboxing headers below).
PREVIEW_MIMES = frozenset({"application/pdf", "image/jpeg", "image/png"})


class UploadError(ValueError):
    """The upload was refused; the message is shown next to the field."""


def upload_folder() -> Path:
    folder = Path(current_app.config["UPLOAD_FOLDER"])
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def store_for(url: str | None, app=None):
    """The file store a STORAGE_URL names: '' or file:///path -> local folder, s3://bucket/prefix -> S3."""
    from workflow.storage.local import LocalStore

    config = (app or current_app).config
    url = (url or "").strip()
    if not url:
        return LocalStore(config["UPLOAD_FOLDER"])
    if url.startswith("file://"):
        return LocalStore(url[len("file://"):])
    if url.startswith("s3://"):
        from workflow.storage.s3 import S3Store

        return S3Store(url, endpoint_url=config.get("S3_ENDPOINT_URL") or None,
                       sse=config.get("STORAGE_SSE", "AES256"), kms_key_id=config.get("STORAGE_SSE_KMS_KEY_ID"),
                       presign_seconds=int(config.get("STORAGE_PRESIGN_SECONDS") or 0),
                       addressing_style=config.get("S3_ADDRESSING_STYLE") or None)
    raise ValueError(f"STORAGE_URL must be empty, file:///path or s3://bucket/prefix, not {url!r}")


def file_store(app=None):
    """The app's configured store, built once per app (boto3 clients are reusable and thread-safe)."""
    app = app or current_app._get_current_object()
    store = app.extensions.get("file_store")
    if store is None:
        store = app.extensions["file_store"] = store_for(app.config.get("STORAGE_URL"), app)
    return store


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
    """Check, write to the store under a random name, add the StoredFile row (caller commits)."""
    mime, ext = check_upload(data)
    name = random_storage_name(ext)
    digest = hashlib.sha256(data).hexdigest()
    store = file_store()
    store.put(name, data, mime, digest)
    display = safe_download_name(original_name)
    if not display.lower().endswith("." + ext) and not (ext == "jpg" and display.lower().endswith(".jpeg")):
        display = f"{display}.{ext}"  # the real type decides the extension shown on download
    stored = StoredFile(storage_name=name, original_name=display[:255], mime=mime, size=len(data),
                        sha256=digest, uploaded_by_id=getattr(actor, "id", None))
    db.session.add(stored)
    _install_cleanup()
    db.session().info.setdefault(_PENDING, []).append((store, name))
    return stored


# A rolled-back request leaves no file behind: names written in the current transaction are
# remembered on the session and removed from their store if it rolls back, forgotten when it commits.
_PENDING = "pending_upload_paths"


def _forget(session, *args) -> None:
    session.info.pop(_PENDING, None)


def _remove_orphans(session, previous_transaction) -> None:
    for store, name in session.info.pop(_PENDING, []):
        try:
            store.delete(name)
        except Exception:  # noqa: BLE001 - the rollback itself must go on; `storage orphans` finds leftovers
            log.warning("could not remove an uploaded file after a rollback")


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
    """Where a file lies in the local folder (local store only)."""
    from workflow.storage.local import LocalStore

    return LocalStore(upload_folder()).path(stored.storage_name)


def open_file(stored: StoredFile):
    return file_store().open(stored.storage_name)


def read_bytes(stored: StoredFile) -> bytes:
    with open_file(stored) as handle:
        return handle.read()


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
    """The file as an attachment (or inline preview for images/PDF), never sniffed by the browser.

    Called only after the access check: the bytes are streamed through the app, or, when
    STORAGE_PRESIGN_SECONDS is set on an S3 store, the browser is sent to a short-lived signed URL.
    """
    store = file_store()
    inline = inline and stored.mime in PREVIEW_MIMES
    url = store.download_url(stored.storage_name, stored.original_name, stored.mime, inline)
    if url:
        response = redirect(url, code=302)
        response.headers["Cache-Control"] = "no-store"
        return response
    mimetype = stored.mime if inline else "application/octet-stream"
    if store.kind == "local":
        path = store.path(stored.storage_name)
        if not path.exists():
            raise FileNotFoundError(stored.storage_name)
        response = send_file(path, mimetype=mimetype, as_attachment=False, conditional=False, etag=False, max_age=0)
    else:
        body = store.open(stored.storage_name)
        response = Response(stream_with_context(_chunks(body)), mimetype=mimetype)
        if stored.size:
            response.headers["Content-Length"] = str(stored.size)
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


def _chunks(body, size: int = 64 * 1024):
    try:
        while True:
            chunk = body.read(size)
            if not chunk:
                break
            yield chunk
    finally:
        body.close()


def delete_stored(stored: StoredFile) -> None:
    """Remove a file and its row (caller commits); a missing file in the store is not an error."""
    try:
        file_store().delete(stored.storage_name)
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
    from models.reference import DocumentType
    from workflow.reference import ID_DOCUMENT_TYPES
    from workflow.roles import ALL, BENEFICIARY_READ, PRIVACY_MASKED

    type_code = db.session.scalar(select(DocumentType.code).join(Document, Document.document_type_id == DocumentType.id)
                                  .where(Document.file_id == stored.id).limit(1))
    if type_code is not None:
        # The scan of an ID document shows the whole number: not for roles that see it masked.
        return BENEFICIARY_READ - PRIVACY_MASKED if type_code in ID_DOCUMENT_TYPES else BENEFICIARY_READ
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

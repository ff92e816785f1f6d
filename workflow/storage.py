"""Saving uploads: judged by content (workflow.files.sniff_upload), stored under
UPLOAD_FOLDER with a random name, recorded as a StoredFile."""
from __future__ import annotations

import hashlib
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l

from extensions import db
from models.files import StoredFile
from workflow.files import random_storage_name, safe_download_name, sniff_upload


def upload_folder() -> Path:
    folder = Path(current_app.config["UPLOAD_FOLDER"])
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def save_upload(file_storage, actor=None) -> StoredFile:
    """Check and store one uploaded file; raise ValueError (translatable) if refused.

    The row is added to the caller's transaction; the file on disk is removed
    again if that transaction is rolled back.
    """
    data = file_storage.read()
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    if limit and len(data) > limit:
        raise ValueError(_l("The file is too large."))
    mime, ext = sniff_upload(data)
    name = random_storage_name(ext)
    path = upload_folder() / name
    path.write_bytes(data)
    stored = StoredFile(storage_name=name, original_name=safe_download_name(file_storage.filename or f"file.{ext}")[:255],
                        mime=mime, size=len(data), sha256=hashlib.sha256(data).hexdigest(),
                        uploaded_by_id=getattr(actor, "id", None))
    db.session.add(stored)
    _install_cleanup()
    db.session().info.setdefault(_PENDING, []).append(path)
    return stored


_PENDING = "pending_upload_paths"


def _forget(session, *args) -> None:
    session.info.pop(_PENDING, None)


def _remove_orphans(session, previous_transaction) -> None:
    """A rolled-back request leaves no file behind."""
    for path in session.info.pop(_PENDING, []):
        path.unlink(missing_ok=True)


def _install_cleanup() -> None:
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    if not event.contains(Session, "after_commit", _forget):
        event.listen(Session, "after_commit", _forget)
        event.listen(Session, "after_soft_rollback", _remove_orphans)


def path_of(stored: StoredFile) -> Path:
    return upload_folder() / stored.storage_name

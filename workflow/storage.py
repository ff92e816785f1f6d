"""Storing uploaded files: content-checked, random names on disk, original name kept."""
from __future__ import annotations

import hashlib
from pathlib import Path

from flask import current_app

from extensions import db
from models.files import StoredFile
from workflow.files import random_storage_name, safe_download_name, sniff_upload


def save_upload(file_storage, actor=None) -> StoredFile:
    """Check the upload by its content and store it; raise ValueError (translatable) if refused.

    The row is added to the session; the caller commits. If the caller's transaction
    fails, the file on disk is an orphan without a row, never a row without a file.
    """
    data = file_storage.read()
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    if limit and len(data) > limit:
        from flask_babel import lazy_gettext as _l

        raise ValueError(_l("The file is too large."))
    mime, ext = sniff_upload(data)
    folder = Path(current_app.config["UPLOAD_FOLDER"])
    folder.mkdir(parents=True, exist_ok=True)
    name = random_storage_name(ext)
    (folder / name).write_bytes(data)
    stored = StoredFile(
        storage_name=name,
        original_name=safe_download_name(file_storage.filename or f"file.{ext}")[:255],
        mime=mime,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        uploaded_by_id=getattr(actor, "id", None),
    )
    db.session.add(stored)
    return stored

"""Downloading stored files: only through here, only for roles allowed to see their owner."""
from __future__ import annotations

from flask import abort, g, request
from flask_admin import expose

from admin_views.base import SecureView, role_in
from extensions import db
from models.files import StoredFile
from workflow.audit import record_access
from workflow.branches import file_visible
from workflow.roles import ALL
from workflow.storage import file_readers, send_stored


class FileView(SecureView):
    """`/admin/file/<id>`: attachment download; `?inline=1` previews images/PDF for allowed roles."""

    roles_read = ALL

    def is_visible(self) -> bool:
        return False  # not a menu entry

    @expose("/")
    def index(self):
        abort(404)

    @expose("/<int:file_id>")
    def download(self, file_id: int):
        stored = db.session.get(StoredFile, file_id)
        if stored is None:
            abort(404)
        if not role_in(file_readers(stored)) or not file_visible(stored):
            g.forbidden_record = ("stored_file", stored.id)  # the 403 handler records the refusal
            abort(403)
        inline = request.args.get("inline") == "1"
        # The file's number only: its name as uploaded may be a person's name or ID number.
        record_access("preview" if inline else "download", "stored_file", stored.id, stored.mime)
        try:
            return send_stored(stored, inline=inline)
        except FileNotFoundError:
            abort(404)

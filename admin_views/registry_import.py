"""Importing a spreadsheet of beneficiaries from the panel (admins): check, then import."""
from __future__ import annotations

import json
import re
import secrets
from pathlib import Path

from flask import current_app, flash, jsonify, redirect, request, session, url_for
from flask_admin import expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from admin_views.base import SecureView
from workflow.registry_import import SheetError, check_file, import_rows
from workflow.roles import ADMIN_ONLY
from workflow.storage import max_upload_bytes

_TOKEN = re.compile(r"^[0-9a-f]{32}$")


def _pending_dir() -> Path:
    folder = Path(current_app.config["UPLOAD_FOLDER"]) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _remove_stale_pending(max_age_hours: int = 24) -> None:
    """Checked sheets nobody imported are personal data too: drop them after a day."""
    import time

    limit = time.time() - max_age_hours * 3600
    for path in _pending_dir().iterdir():
        if _TOKEN.match(path.name) and path.stat().st_mtime < limit:
            path.unlink(missing_ok=True)


class ImportProgress:
    """What a long check or import has done so far, in a small file next to the pending sheets
    (so any worker can answer the page's progress requests). Numbers only, no personal data."""

    def __init__(self, key: str | None, phase: str) -> None:
        self.path = _pending_dir() / f"{key}.progress" if key and _TOKEN.match(key) else None
        self.phase = phase

    def __call__(self, done: int, total: int) -> None:
        if self.path is not None:
            self.path.write_text(json.dumps({"phase": self.phase, "done": done, "total": total}))

    def finish(self) -> None:
        if self.path is not None:
            self.path.unlink(missing_ok=True)


class BeneficiaryImportView(SecureView):
    roles_read = ADMIN_ONLY
    home_actions = {"import": (_l("import"), ADMIN_ONLY)}  # what the home page says this screen does

    @property
    def extra_js(self):
        return [url_for("static", filename="js/import_progress.js")]

    def render(self, template, **kwargs):
        kwargs.setdefault("progress_key", secrets.token_hex(16))
        return super().render(template, **kwargs)

    @expose("/progress/<key>")
    def progress(self, key: str):
        path = _pending_dir() / f"{key}.progress" if _TOKEN.match(key) else None
        try:
            state = json.loads(path.read_text()) if path is not None else {}
        except (FileNotFoundError, ValueError):
            state = {}
        return jsonify(state)

    @expose("/", methods=("GET", "POST"))
    def index(self):
        result = None
        token = ""
        filename = ""
        if request.method == "POST":
            upload = request.files.get("sheet")
            if upload is None or not upload.filename:
                flash(_("Choose a CSV or Excel (.xlsx) file."), "error")
                return redirect(url_for(".index"))
            data = upload.stream.read(max_upload_bytes() + 1)
            filename = upload.filename
            progress = ImportProgress(request.form.get("progress"), "check")
            try:
                result = check_file(data, filename, progress=progress)
            except SheetError as exc:
                flash(str(exc), "error")
                return redirect(url_for(".index"))
            finally:
                progress.finish()
            if result.valid:
                # Kept (under a random name, for this user only) until the admin presses Import.
                self._forget_pending()
                _remove_stale_pending()
                token = secrets.token_hex(16)
                (_pending_dir() / token).write_bytes(data)
                session["beneficiary_import"] = token
        return self.render("admin/registry/import.html", result=result, token=token, filename=filename)

    @expose("/commit", methods=("POST",))
    def commit(self):
        token = request.form.get("token", "")
        if not _TOKEN.match(token) or session.get("beneficiary_import") != token:
            flash(_("The checked file is no longer available. Please upload it again."), "error")
            return redirect(url_for(".index"))
        path = _pending_dir() / token
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            flash(_("The checked file is no longer available. Please upload it again."), "error")
            return redirect(url_for(".index"))
        # Checked again: the register may have changed since the preview.
        progress = ImportProgress(request.form.get("progress"), "import")
        try:
            result = check_file(data, progress=progress)
            progress.phase = "import"
            imported = import_rows(result, progress=progress)
        finally:
            progress.finish()
        self._forget_pending()
        flash(_("%(n)d beneficiaries imported; %(m)d rows had problems and were not imported.",
                n=imported, m=result.rejected), "success")
        return self.render("admin/registry/import.html", result=result, token="", filename="", done=True)

    def _forget_pending(self):
        old = session.pop("beneficiary_import", None)
        if old and _TOKEN.match(old):
            (_pending_dir() / old).unlink(missing_ok=True)

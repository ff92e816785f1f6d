"""workflow/storage.py: saving uploads by content, names, headers."""
import io
from pathlib import Path

import pytest
from werkzeug.datastructures import FileStorage

from extensions import db
from models.files import StoredFile
from tests.registry_helpers import pdf_bytes, png_bytes
from workflow.storage import UploadError, content_disposition, path_of, save_upload, send_stored


def _upload(data: bytes, name: str, content_type: str = "application/pdf") -> FileStorage:
    return FileStorage(stream=io.BytesIO(data), filename=name, content_type=content_type)


def test_save_upload_keeps_arabic_name_and_uses_a_random_one_on_disk(app, users):
    stored = save_upload(_upload(png_bytes(), "بطاقة العائلة.png", "text/html"), users["officer"])
    db.session.commit()
    assert stored.original_name == "بطاقة العائلة.png"
    assert stored.mime == "image/png"  # the content decides, not the browser's content type
    assert stored.size == len(png_bytes()) and len(stored.sha256) == 64
    assert stored.uploaded_by_id == users["officer"].id
    assert "بطاقة" not in stored.storage_name and stored.storage_name.endswith(".png")
    assert path_of(stored).read_bytes() == png_bytes()
    assert Path(app.config["UPLOAD_FOLDER"]) in path_of(stored).parents


def test_extension_follows_the_content(app):
    stored = save_upload(_upload(pdf_bytes(), "photo.jpg"))
    assert stored.original_name == "photo.jpg.pdf" and stored.storage_name.endswith(".pdf")


@pytest.mark.parametrize("data,name", [(b"<html><script>x</script></html>", "a.pdf"), (b"", "empty.pdf")])
def test_refused_uploads_write_nothing(app, data, name):
    with pytest.raises(UploadError):
        save_upload(_upload(data, name))
    assert db.session.query(StoredFile).count() == 0
    folder = Path(app.config["UPLOAD_FOLDER"])
    assert not folder.exists() or not any(folder.iterdir())


def test_size_limit_from_config(app):
    app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024
    big = pdf_bytes()[:-6] + b" " * (1024 * 1024) + b"%%EOF\n"
    with pytest.raises(UploadError) as excinfo:
        save_upload(_upload(big, "big.pdf"))
    assert str(excinfo.value) == "حجم الملف أكبر من الحد المسموح (1 ميغابايت)."  # existing catalogue entry


def test_content_disposition_is_rfc5987():
    header = content_disposition("attachment", "تقرير طبي.pdf")
    assert header.startswith('attachment; filename="')
    assert "filename*=UTF-8''%D8%AA%D9%82%D8%B1%D9%8A%D8%B1%20%D8%B7%D8%A8%D9%8A.pdf" in header
    assert '"' not in content_disposition("attachment", 'a"b.pdf').split("filename*")[1]


def test_stored_names_cannot_escape_the_folder(app):
    for name in ("../secret_key", "/etc/passwd", ".hidden"):
        with pytest.raises(FileNotFoundError):
            path_of(StoredFile(storage_name=name))


def test_send_stored_headers(app):
    stored = save_upload(_upload(pdf_bytes(), "إقرار.pdf"))
    with app.test_request_context():
        attachment = send_stored(stored)
        assert attachment.headers["Content-Type"] == "application/octet-stream"
        assert attachment.headers["X-Content-Type-Options"] == "nosniff"
        assert "sandbox" in attachment.headers["Content-Security-Policy"]
        preview = send_stored(stored, inline=True)
        assert preview.headers["Content-Type"] == "application/pdf"
        assert preview.headers["Content-Disposition"].startswith("inline;")
        attachment.close()
        preview.close()

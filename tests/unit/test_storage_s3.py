"""The S3 file store (moto stands in for the bucket), readiness and moving files between stores."""
from __future__ import annotations

import hashlib

import pytest
from werkzeug.datastructures import FileStorage

from extensions import db
from models.files import StoredFile
from tests.registry_helpers import pdf_bytes, png_bytes

moto = pytest.importorskip("moto")
boto3 = pytest.importorskip("boto3")


@pytest.fixture
def bucket(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with moto.mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket="brs-files")
        yield client


@pytest.fixture
def s3_app(app, bucket):
    app.config["STORAGE_URL"] = "s3://brs-files/uploads"
    app.extensions.pop("file_store", None)
    return app


def _upload(data: bytes, name: str) -> FileStorage:
    import io

    return FileStorage(stream=io.BytesIO(data), filename=name, content_type="application/pdf")


def test_upload_goes_to_the_bucket_encrypted_with_its_checksum(s3_app, bucket):
    from workflow.storage import read_bytes, save_upload

    stored = save_upload(_upload(pdf_bytes(), "إقرار.pdf"))
    db.session.commit()
    head = bucket.head_object(Bucket="brs-files", Key="uploads/" + stored.storage_name)
    assert head["ServerSideEncryption"] == "AES256"
    assert head["Metadata"]["sha256"] == hashlib.sha256(pdf_bytes()).hexdigest() == stored.sha256
    assert head["ContentType"] == "application/pdf"
    assert read_bytes(stored) == pdf_bytes()
    assert not (s3_app.config["UPLOAD_FOLDER"] and
                __import__("pathlib").Path(s3_app.config["UPLOAD_FOLDER"], stored.storage_name).exists())


def test_rolled_back_upload_leaves_no_object(s3_app, bucket):
    from workflow.storage import save_upload

    stored = save_upload(_upload(png_bytes(), "x.png"))
    name = stored.storage_name
    assert "Contents" in bucket.list_objects_v2(Bucket="brs-files", Prefix="uploads/")
    db.session.rollback()
    assert "Contents" not in bucket.list_objects_v2(Bucket="brs-files", Prefix="uploads/"), name


def _signed_in(app, users, role):
    from tests.conftest import login

    client = app.test_client()
    assert login(client, users[role].email).status_code == 302
    return client


def test_download_streams_from_the_bucket_after_the_access_check(s3_app, users):
    from workflow.storage import save_upload

    stored = save_upload(_upload(pdf_bytes(), "بطاقة.pdf"))
    db.session.commit()
    file_id = stored.id  # an unowned file: admins only
    assert _signed_in(s3_app, users, "officer").get(f"/admin/file/{file_id}").status_code == 403
    response = _signed_in(s3_app, users, "admin").get(f"/admin/file/{file_id}")
    assert response.status_code == 200
    assert response.data == pdf_bytes()
    assert response.headers["Content-Type"] == "application/octet-stream"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store"


def test_presigned_download_after_the_check(s3_app, users):
    from workflow.storage import save_upload

    s3_app.config["STORAGE_PRESIGN_SECONDS"] = 60
    s3_app.extensions.pop("file_store", None)
    stored = save_upload(_upload(pdf_bytes(), "a.pdf"))
    db.session.commit()
    response = _signed_in(s3_app, users, "admin").get(f"/admin/file/{stored.id}")
    assert response.status_code == 302
    location = response.headers["Location"]
    assert "brs-files" in location and "X-Amz-Expires=60" in location and "X-Amz-Signature=" in location
    assert response.headers["Cache-Control"] == "no-store"
    assert _signed_in(s3_app, users, "officer").get(f"/admin/file/{stored.id}").status_code == 403


def test_missing_object_is_404_not_500(s3_app, bucket, login_as):
    from workflow.storage import save_upload

    stored = save_upload(_upload(pdf_bytes(), "a.pdf"))
    db.session.commit()
    bucket.delete_object(Bucket="brs-files", Key="uploads/" + stored.storage_name)
    assert login_as("admin").get(f"/admin/file/{stored.id}").status_code == 404


def test_migrate_local_files_to_s3_verified_and_resumable(app, bucket):
    from workflow.storage import file_store, save_upload

    first = save_upload(_upload(pdf_bytes(), "a.pdf"))
    second = save_upload(_upload(png_bytes(), "b.png"))
    db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["storage", "migrate", "--to", "s3://brs-files/moved"])
    assert result.exit_code == 0, result.output
    assert "Copied 2, already there 0" in result.output
    keys = {o["Key"] for o in bucket.list_objects_v2(Bucket="brs-files", Prefix="moved/")["Contents"]}
    assert keys == {"moved/" + first.storage_name, "moved/" + second.storage_name}
    # Run again (as after an interruption): nothing copied twice.
    result = runner.invoke(args=["storage", "migrate", "--to", "s3://brs-files/moved"])
    assert result.exit_code == 0 and "Copied 0, already there 2" in result.output
    # A local file whose bytes no longer match its row is refused, not copied.
    bucket.delete_object(Bucket="brs-files", Key="moved/" + second.storage_name)
    file_store().path(second.storage_name).write_bytes(b"\x89PNG damaged")
    result = runner.invoke(args=["storage", "migrate", "--to", "s3://brs-files/moved"])
    assert result.exit_code != 0 and "wrong checksum 1" in result.output


def test_orphans_lists_objects_no_row_points_at(s3_app, bucket):
    from workflow.storage import save_upload

    kept = save_upload(_upload(pdf_bytes(), "a.pdf"))
    db.session.commit()
    bucket.put_object(Bucket="brs-files", Key="uploads/deadbeef.pdf", Body=b"%PDF-1.4 left by a crash")
    runner = s3_app.test_cli_runner()
    result = runner.invoke(args=["storage", "orphans", "--older-than", "0"])
    assert "deadbeef.pdf" in result.output and kept.storage_name not in result.output
    result = runner.invoke(args=["storage", "orphans", "--older-than", "0", "--delete"])
    names = {o["Key"] for o in bucket.list_objects_v2(Bucket="brs-files", Prefix="uploads/")["Contents"]}
    assert names == {"uploads/" + kept.storage_name}


def test_backup_writes_the_files_beside_the_database_and_restore_puts_them_back(s3_app, bucket, tmp_path):
    from workflow.storage import save_upload

    stored = save_upload(_upload(pdf_bytes(), "a.pdf"))
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        import shutil

        if not shutil.which("pg_dump"):
            pytest.skip("pg_dump not installed")
    runner = s3_app.test_cli_runner()
    target = tmp_path / "b" / "backup.db"
    result = runner.invoke(args=["backup", str(target)])
    assert result.exit_code == 0, result.output
    archive = target.with_name("backup.db.files.tar")
    assert archive.is_file() and oct(archive.stat().st_mode & 0o777) == "0o600"
    import tarfile

    with tarfile.open(archive) as tar:
        assert tar.extractfile("files/" + stored.storage_name).read() == pdf_bytes()
    # The bucket loses the file; restoring puts it back (the database part is tested in test_backup.py).
    bucket.delete_object(Bucket="brs-files", Key="uploads/" + stored.storage_name)
    from workflow.storage import file_store
    from workflow.storage.transfer import restore_files_archive

    report = restore_files_archive(file_store(), archive)
    assert report.copied == 1 and report.ok
    assert bucket.get_object(Bucket="brs-files", Key="uploads/" + stored.storage_name)["Body"].read() == pdf_bytes()


def test_readyz_reports_each_part(s3_app, bucket, client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "checks": {"database": "ok", "rate_limits": "ok", "storage": "ok"}}
    # The bucket disappears:
    for obj in bucket.list_objects_v2(Bucket="brs-files").get("Contents", []):
        bucket.delete_object(Bucket="brs-files", Key=obj["Key"])
    bucket.delete_bucket(Bucket="brs-files")
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json["checks"]["storage"] == "failed" and response.json["status"] == "unavailable"
    assert client.get("/healthz").json == {"status": "ok"}


def test_readyz_fails_when_redis_is_unreachable(app, client):
    app.config["RATELIMIT_STORAGE_URI"] = "redis://127.0.0.1:1"  # nothing listens on port 1
    app.extensions.pop("readyz_limits_storage", None)
    response = client.get("/readyz")
    assert response.status_code == 503 and response.json["checks"]["rate_limits"] == "failed"
    assert response.headers["Cache-Control"] == "no-store"


def test_json_logs(tmp_path, capfd, database_url):
    import json
    import logging

    from app import create_app
    from tests.conftest import _config

    config = _config(database_url, tmp_path)
    config["LOG_FORMAT"] = "json"
    root = logging.getLogger()
    before = list(root.handlers), root.level
    try:
        create_app(config)
        logging.getLogger("workflow.test").warning("readiness check %s failed", "storage")
        for handler in root.handlers:
            handler.flush()
        line = [l for l in capfd.readouterr().err.splitlines() if "readiness" in l][-1]
        entry = json.loads(line)
        assert entry["level"] == "WARNING" and entry["logger"] == "workflow.test"
        assert entry["message"] == "readiness check storage failed" and "time" in entry
    finally:
        for handler in list(root.handlers):
            if handler not in before[0]:
                root.removeHandler(handler)
        for handler in before[0]:
            handler.setFormatter(logging.Formatter())
        root.setLevel(before[1])

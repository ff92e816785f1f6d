"""Consistent online backups and restores.

SQLite: the sqlite3 online-backup API copies a consistent snapshot while the
application keeps running. PostgreSQL: `pg_dump -Fc` / `pg_restore`, with the
credentials of the configured URL passed through the environment (never on
the command line, where other users of the machine could read them).

With `files=True` the uploaded files go beside the dump (`<backup>.files.tar`): exactly the file
rows the dump holds (read from the SQLite copy itself, or from the same PostgreSQL snapshot that
pg_dump reads through `--snapshot`), each verified against its checksum, from whichever store is
configured (local folder or S3 bucket).
"""
from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy import func, inspect, select

from extensions import db


class BackupError(RuntimeError):
    pass


def _url():
    return db.engine.url  # not str(url): that masks the password as ***


def _sqlite_path(url) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("An in-memory SQLite database cannot be backed up.")
    return Path(url.database)


def _pg_env(url) -> tuple[list[str], dict]:
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    args = []
    if url.host:
        args += ["--host", url.host]
    if url.port:
        args += ["--port", str(url.port)]
    if url.username:
        args += ["--username", url.username]
    args += ["--dbname", url.database]
    return args, env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if not path:
        raise BackupError(f"{name} was not found; install the PostgreSQL client tools.")
    return path


def files_archive_path(target: str | Path) -> Path:
    target = Path(target)
    return target.with_name(target.name + ".files.tar")


def _manifest_from_sqlite(path: Path) -> list[dict]:
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        rows = con.execute("SELECT storage_name, sha256, size, mime FROM stored_file ORDER BY id").fetchall()
    finally:
        con.close()
    return [{"name": n, "sha256": h, "size": z, "mime": m} for n, h, z, m in rows]


def backup(target: str | Path, files: bool = False):
    """Write the database backup to target (and, with files=True, the files beside it).

    Returns the target path, or (target path, files report) when files=True.
    """
    target = Path(target)
    if target.exists() and target.is_dir():
        raise BackupError(f"{target} is a directory; give a file name.")
    target.parent.mkdir(parents=True, exist_ok=True)
    url = _url()
    if url.get_backend_name() == "sqlite":
        source = sqlite3.connect(str(_sqlite_path(url)))
        partial = target.with_name(target.name + ".partial")
        partial.unlink(missing_ok=True)
        destination = sqlite3.connect(str(partial))
        try:
            with destination:
                source.backup(destination)
        finally:
            destination.close()
            source.close()
        partial.replace(target)
        entries = _manifest_from_sqlite(target) if files else None
    elif url.get_backend_name() == "postgresql":
        args, env = _pg_env(url)
        entries = None
        with db.engine.connect() as conn:
            snapshot: list[str] = []
            if files:
                # One snapshot for the dump and the list of files: they agree to the row.
                conn.exec_driver_sql("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                snapshot = ["--snapshot", conn.exec_driver_sql("SELECT pg_export_snapshot()").scalar()]
                entries = [{"name": n, "sha256": h, "size": z, "mime": m} for n, h, z, m in conn.exec_driver_sql(
                    "SELECT storage_name, sha256, size, mime FROM stored_file ORDER BY id")]
            result = subprocess.run([_tool("pg_dump"), "--format=custom", "--no-owner", *snapshot,
                                     "--file", str(target), *args], env=env, capture_output=True, text=True)
            if files:
                conn.exec_driver_sql("COMMIT")
        if result.returncode != 0:
            raise BackupError(result.stderr.strip() or "pg_dump failed")
    else:
        raise BackupError(f"Backups of {url.get_backend_name()} databases are not supported.")
    os.chmod(target, 0o600)  # personal data: readable by the owner only
    if not files:
        return target
    from workflow.storage import file_store
    from workflow.storage.transfer import write_files_archive

    return target, write_files_archive(file_store(), files_archive_path(target), entries or [])


def row_counts() -> dict[str, int]:
    """Rows per application table (tables that exist in the database)."""
    existing = set(inspect(db.engine).get_table_names())
    return {t.name: db.session.scalar(select(func.count()).select_from(t))
            for t in db.metadata.sorted_tables if t.name in existing}


def database_is_empty() -> bool:
    return not any(row_counts().values())


def restore(source: str | Path, force: bool = False) -> None:
    source = Path(source)
    if not source.is_file():
        raise BackupError(f"{source} does not exist.")
    if not force and not database_is_empty():
        raise BackupError("The database is not empty. Use --force to replace its contents with the backup.")
    url = _url()
    db.session.remove()
    db.engine.dispose()
    if url.get_backend_name() == "sqlite":
        with open(source, "rb") as handle:
            if handle.read(16) != b"SQLite format 3\x00":
                raise BackupError(f"{source} is not an SQLite backup.")
        backup_db = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        target = sqlite3.connect(str(_sqlite_path(url)))
        try:
            with target:
                backup_db.backup(target)
        finally:
            target.close()
            backup_db.close()
    elif url.get_backend_name() == "postgresql":
        args, env = _pg_env(url)
        result = subprocess.run([_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--single-transaction",
                                 "--exit-on-error", *args, str(source)], env=env, capture_output=True, text=True)
        if result.returncode != 0:
            raise BackupError(result.stderr.strip() or "pg_restore failed")
    else:
        raise BackupError(f"Restoring {url.get_backend_name()} databases is not supported.")
    db.engine.dispose()

"""Files in a folder of the server's disk (UPLOAD_FOLDER): the default for one machine."""
from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO


class LocalStore:
    kind = "local"

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)

    def describe(self) -> str:
        return f"local:{self.folder}"

    def path(self, name: str) -> Path:
        # Storage names are ours (hex + checked extension); refuse anything else outright.
        if not name or "/" in name or "\\" in name or name.startswith("."):
            raise FileNotFoundError(name)
        return self.folder / name

    def put(self, name: str, data: bytes, mime: str, sha256: str) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.path(name)
        # Written beside the final name and renamed: a crash mid-write leaves no half file under it.
        partial = path.with_name("." + name + ".partial")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            # link() refuses an existing target: never overwrite a stored file.
            os.link(partial, path)
        finally:
            partial.unlink(missing_ok=True)

    def open(self, name: str) -> BinaryIO:
        return self.path(name).open("rb")

    def exists(self, name: str) -> bool:
        try:
            return self.path(name).is_file()
        except FileNotFoundError:
            return False

    def sha256_of(self, name: str) -> str | None:
        """Checksum of what is stored (None when absent)."""
        import hashlib

        if not self.exists(name):
            return None
        digest = hashlib.sha256()
        with self.open(name) as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
        return digest.hexdigest()

    def delete(self, name: str) -> None:
        try:
            self.path(name).unlink()
        except FileNotFoundError:
            pass

    def listing(self) -> Iterator[tuple[str, float]]:
        """(name, modified time as a Unix timestamp) of every stored file."""
        if not self.folder.is_dir():
            return
        for p in self.folder.iterdir():
            if p.is_file() and not p.name.startswith("."):
                yield p.name, p.stat().st_mtime

    def check(self) -> None:
        """Raise OSError unless files can be written here (readiness probe)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        if not os.access(self.folder, os.W_OK):
            raise OSError(f"{self.folder} is not writable")

    def download_url(self, name: str, filename: str, mime: str, inline: bool) -> str | None:
        return None  # always streamed by the app

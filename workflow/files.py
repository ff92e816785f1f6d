"""Upload safety: judge files by content, and build safe file names."""

from __future__ import annotations

import re
import secrets
import unicodedata

from flask_babel import lazy_gettext as _l

ALLOWED_KINDS = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}

_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_PNG_IEND = b"IEND\xaeB`\x82"  # IEND chunk type + its fixed CRC
_JPEG_MAGIC = b"\xff\xd8\xff"
_JPEG_EOI = b"\xff\xd9"
_PDF_MAGIC = b"%PDF-"
_ZIP_LOCAL_HEADER = b"PK\x03\x04"
# Markup that a browser might execute if the file were ever rendered inline.
_ACTIVE_MARKUP = re.compile(rb"<script|<html|<svg|<!doctype\s+html", re.IGNORECASE)
# Padding some scanners/editors leave after the real end of an image.
_PADDING = b"\x00 \t\r\n"


def sniff_upload(data: bytes) -> tuple[str, str]:
    """Return (mime, extension) for an allowed PDF/JPEG/PNG, judged only by content."""
    data = bytes(data or b"")
    if not data.strip(_PADDING):
        raise ValueError(_l("The file is empty."))
    if data.startswith(_PDF_MAGIC):
        mime = "application/pdf"
    elif data.startswith(_PNG_MAGIC):
        mime = "image/png"
    elif data.startswith(_JPEG_MAGIC):
        mime = "image/jpeg"
    else:  # HTML, SVG, executables, archives, office files, ...
        raise ValueError(_l("Unsupported file type. Only PDF, JPEG and PNG files are allowed."))

    # Polyglots: a valid header followed by markup a browser could run.
    if _ACTIVE_MARKUP.search(data[:1024]):
        raise ValueError(_l("The file contains web content (HTML/script) and was rejected."))
    # An archive hidden inside/after the document (GIFAR-style polyglot).
    # Note: random compressed data matches 4 bytes at ~1 in 4e9 offsets; accepted.
    if _ZIP_LOCAL_HEADER in data:
        raise ValueError(_l("The file contains an embedded archive and was rejected."))

    # Proper trailers: catches truncated uploads and data appended after the end.
    body = data.rstrip(_PADDING)
    if mime == "image/png":
        complete = body.endswith(_PNG_IEND)
    elif mime == "image/jpeg":
        complete = body.endswith(_JPEG_EOI)
    else:  # the PDF spec puts %%EOF within the last 1024 bytes
        complete = b"%%EOF" in data[-1024:]
    if not complete:
        raise ValueError(_l("The file is damaged or incomplete."))
    return mime, ALLOWED_KINDS[mime]


# Bidi overrides/isolates and zero-width chars can disguise "exe.pdf" as "fdp.exe".
_SAFE_PUNCT = frozenset(" -_.()")
_WINDOWS_RESERVED = frozenset(
    ["CON", "PRN", "AUX", "NUL"] + [f"COM{i}" for i in range(1, 10)] + [f"LPT{i}" for i in range(1, 10)]
)
MAX_NAME_LEN = 120


def _clean_char(ch: str) -> str:
    cat = unicodedata.category(ch)
    if cat[0] == "C":  # control, format (incl. bidi), private use, unassigned
        return ""
    if cat[0] in "LNM" or ch in _SAFE_PUNCT:  # keeps Arabic letters, harakat and digits
        return ch
    return "_"


def safe_download_name(original: str | None) -> str:
    """Display/download name that keeps Arabic, but is safe for headers and file systems."""
    name = unicodedata.normalize("NFC", original or "")
    name = re.split(r"[\\/]", name)[-1]  # drop any client-side path (e.g. C:\Users\...)
    name = "".join(_clean_char(ch) for ch in name)
    name = re.sub(r"_+", "_", " ".join(name.split()))
    name = name.lstrip(". ").rstrip(". ")  # no hidden files, no Windows trailing dots

    stem, dot, ext = name.rpartition(".")
    if not dot or not ext.isalnum() or len(ext) > 10:
        stem, ext = name, ""
    stem = stem.strip(" ._-")
    if not stem:
        stem = "file"
    if stem.upper() in _WINDOWS_RESERVED:
        stem = "_" + stem
    suffix = f".{ext.lower()}" if ext else ""
    stem = stem[: MAX_NAME_LEN - len(suffix)].rstrip(" .")
    return stem + suffix


def random_storage_name(ext: str) -> str:
    """Unguessable on-disk name; never derived from user input except the checked extension."""
    ext = (ext or "").lstrip(".").lower()
    if ext and not (ext.isascii() and ext.isalnum() and len(ext) <= 10):
        raise ValueError(_l("Invalid file extension."))
    token = secrets.token_hex(16)
    return f"{token}.{ext}" if ext else token


__all__ = ["ALLOWED_KINDS", "sniff_upload", "safe_download_name", "random_storage_name", "MAX_NAME_LEN"]

"""Upload safety: judge files by content, and build safe file names."""

from __future__ import annotations

import re
import secrets
import unicodedata

from flask_babel import lazy_gettext as _l

ALLOWED_KINDS = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}

_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_JPEG_MAGIC = b"\xff\xd8\xff"
_PDF_MAGIC = b"%PDF-"
_ZIP_LOCAL_HEADER = b"PK\x03\x04"
# Markup that a browser might execute if the file were ever rendered inline.
_ACTIVE_MARKUP = re.compile(rb"<script|<html|<svg|<!doctype\s+html", re.IGNORECASE)
# Padding some scanners/editors leave after the real end of an image.
_PADDING = b"\x00 \t\r\n"
# JPEG markers that stand alone (no length field): TEM, RST0-7, SOI, EOI.
_JPEG_STANDALONE = {0x01, *range(0xD0, 0xD8), 0xD8, 0xD9}


def _png_end(data: bytes) -> int | None:
    """Offset just after the IEND chunk, walking the chunk list; None if it never comes."""
    pos = len(_PNG_MAGIC)
    size = len(data)
    while pos + 12 <= size:
        length = int.from_bytes(data[pos:pos + 4], "big")
        kind = data[pos + 4:pos + 8]
        nxt = pos + 12 + length
        if nxt > size:
            return None
        if kind == b"IEND":
            return nxt
        pos = nxt
    return None


def _jpeg_end(data: bytes) -> int | None:
    """Offset just after the EOI marker that ends the image, walking its segments.

    Segments with a length are skipped whole (so a thumbnail's own EOI inside
    APP1/Exif does not count); entropy-coded scan data is scanned for the next
    real marker (FF followed by neither 00 nor a restart marker).
    """
    size = len(data)
    pos = 2  # after SOI
    while pos < size:
        if data[pos] != 0xFF:
            return None
        while pos < size and data[pos] == 0xFF:  # fill bytes
            pos += 1
        if pos >= size:
            return None
        marker = data[pos]
        pos += 1
        if marker == 0xD9:
            return pos
        if marker in _JPEG_STANDALONE:
            continue
        if pos + 2 > size:
            return None
        length = int.from_bytes(data[pos:pos + 2], "big")
        if length < 2 or pos + length > size:
            return None
        pos += length
        if marker == 0xDA:  # start of scan: entropy-coded data follows
            while True:
                pos = data.find(b"\xff", pos)
                if pos < 0 or pos + 1 >= size:
                    return None
                following = data[pos + 1]
                if following == 0x00 or 0xD0 <= following <= 0xD7 or following == 0xFF:
                    pos += 1 if following == 0xFF else 2
                    continue
                break
    return None


def _pdf_end(data: bytes) -> int | None:
    """Offset just after the last %%EOF (incremental updates append after earlier ones)."""
    idx = data.rfind(b"%%EOF")
    return None if idx < 0 else idx + 5


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

    # Find where the format really ends (catches truncated uploads), then judge
    # only what comes after it: an archive there is a GIFAR-style polyglot,
    # anything else but padding is damage. Compressed image data inside the
    # file may contain any 4 bytes (PK\x03\x04 in ~1 of 1000 photos), so the
    # body itself is never searched for archive signatures.
    if mime == "image/png":
        end = _png_end(data)
    elif mime == "image/jpeg":
        end = _jpeg_end(data)
    else:
        end = _pdf_end(data)
    if end is None:
        raise ValueError(_l("The file is damaged or incomplete."))
    tail = data[end:]
    if _ZIP_LOCAL_HEADER in tail:
        raise ValueError(_l("The file contains an embedded archive and was rejected."))
    leftover = tail.strip(_PADDING)
    # The PDF spec allows %%EOF within the last 1024 bytes; images end exactly.
    if leftover and (mime != "application/pdf" or len(tail) > 1024):
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

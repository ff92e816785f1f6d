import re
import struct
import zlib

import pytest

from workflow.files import ALLOWED_KINDS, random_storage_name, safe_download_name, sniff_upload


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def make_png(extra_chunk: bytes = b"") -> bytes:
    ihdr = _png_chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
    idat = _png_chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
    return b"\x89PNG\r\n\x1a\n" + ihdr + extra_chunk + idat + _png_chunk(b"IEND", b"")


def make_jpeg() -> bytes:
    # SOI + APP0/JFIF header + (fake) scan data + EOI: enough for signature checks.
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    return b"\xff\xd8" + app0 + b"\xff\xda\x00\x08\x01\x01\x00\x00\x3f\x00" + b"\x12\x34\x56" + b"\xff\xd9"


def make_pdf() -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
        b"trailer<</Root 1 0 R>>\n%%EOF\n"
    )


def _err(data: bytes) -> str:
    with pytest.raises(ValueError) as excinfo:
        sniff_upload(data)
    return str(excinfo.value)


UNSUPPORTED = "Unsupported file type. Only PDF, JPEG and PNG files are allowed."
MARKUP = "The file contains web content (HTML/script) and was rejected."
ARCHIVE = "The file contains an embedded archive and was rejected."
DAMAGED = "The file is damaged or incomplete."


def test_png_header_is_real():
    # Sanity-check the fixture against an independent detector.
    import filetype

    assert filetype.guess_mime(make_png()) == "image/png"
    assert filetype.guess_mime(make_jpeg()) == "image/jpeg"
    assert filetype.guess_mime(make_pdf()) == "application/pdf"


def test_valid_files():
    assert sniff_upload(make_png()) == ("image/png", "png")
    assert sniff_upload(make_jpeg()) == ("image/jpeg", "jpg")
    assert sniff_upload(make_pdf()) == ("application/pdf", "pdf")
    assert sniff_upload(bytearray(make_png())) == ("image/png", "png")


def test_trailing_padding_allowed():
    assert sniff_upload(make_jpeg() + b"\x00" * 64) == ("image/jpeg", "jpg")
    assert sniff_upload(make_png() + b"\r\n") == ("image/png", "png")
    assert sniff_upload(make_pdf() + b"\n" * 10) == ("application/pdf", "pdf")


def test_allowed_kinds():
    assert ALLOWED_KINDS == {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}


@pytest.mark.parametrize("data", [b"", b"   \n", b"\x00\x00"])
def test_empty(data):
    assert _err(data) == "The file is empty."


def test_none_is_empty():
    assert _err(None) == "The file is empty."


@pytest.mark.parametrize(
    "data",
    [
        b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>",  # HTML renamed to .pdf
        b"<html><script>alert(1)</script></html>",
        b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
        b"<svg onload=alert(1)>",
        b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 100,  # Windows PE
        b"\x7fELF\x02\x01\x01" + b"\x00" * 100,
        b"PK\x03\x04\x14\x00" + b"\x00" * 100,  # ZIP / docx
        b"GIF89a\x01\x00\x01\x00",
        b"just some text",
        b" %PDF-1.4\n%%EOF",  # header must be at offset 0
    ],
)
def test_unsupported(data):
    assert _err(data) == UNSUPPORTED


@pytest.mark.parametrize("marker", [b"<script>alert(1)</script>", b"<HTML>", b"<Svg/onload=x>", b"<!DOCTYPE  html>"])
def test_png_polyglot_with_markup(marker):
    assert _err(make_png(_png_chunk(b"tEXt", b"c\x00" + marker))) == MARKUP


def test_jpeg_and_pdf_polyglot_with_markup():
    jpeg = make_jpeg()
    assert _err(jpeg[:2] + b"\xff\xfe\x00\x20<script>alert(1)</script>" + jpeg[2:]) == MARKUP
    assert _err(b"%PDF-1.4\n<html><script>x</script></html>\n%%EOF") == MARKUP


def test_markup_beyond_first_kilobyte_not_scanned():
    # Only the head is sniffed by browsers; deep content is left to the trailer checks.
    padding = _png_chunk(b"tEXt", b"c\x00" + b"a" * 2000)
    late = _png_chunk(b"tEXt", b"c\x00<script>")
    assert sniff_upload(make_png(padding + late)) == ("image/png", "png")


def test_zip_appended():
    zip_tail = b"PK\x03\x04\x14\x00\x00\x00" + b"\x00" * 30 + b"PK\x05\x06" + b"\x00" * 18
    assert _err(make_png() + zip_tail) == ARCHIVE
    assert _err(make_jpeg() + zip_tail) == ARCHIVE
    assert _err(make_pdf() + zip_tail) == ARCHIVE
    # Even when the attacker re-adds a valid-looking trailer after the archive.
    assert _err(make_png() + zip_tail + _png_chunk(b"IEND", b"")) == ARCHIVE
    assert _err(make_jpeg() + zip_tail + b"\xff\xd9") == ARCHIVE


def test_truncated_or_trailing_garbage():
    assert _err(make_png()[:-12]) == DAMAGED
    assert _err(make_png() + b"garbage") == DAMAGED
    assert _err(make_jpeg()[:-2]) == DAMAGED
    assert _err(make_jpeg() + b"garbage") == DAMAGED
    assert _err(b"%PDF-1.4\n1 0 obj<<>>endobj\n") == DAMAGED
    assert _err(make_pdf() + b"x" * 2000) == DAMAGED


@pytest.mark.parametrize(
    "original,expected",
    [
        ("تقرير طبي.pdf", "تقرير طبي.pdf"),
        ("صك ٢٠٢٤.PDF", "صك ٢٠٢٤.pdf"),
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\ali\\هوية.jpg", "هوية.jpg"),
        (".htaccess", "htaccess"),
        ("...hidden.png", "hidden.png"),
        ("inv\u202egpj.exe", "invgpj.exe"),
        ("a\u2066b\u200fc\u200e.pdf", "abc.pdf"),
        ("ctl\x00\x1f\x7fname.pdf", "ctlname.pdf"),
        ('bad"name;x<>|.pdf', "bad_name_x.pdf"),
        ("", "file"),
        (None, "file"),
        ("///", "file"),
        (".pdf", "pdf"),
        ("___.pdf", "file.pdf"),
        ("CON.txt", "_CON.txt"),
        ("مُحَمَّد.png", "مُحَمَّد.png"),
        ("  spaced   out  .pdf", "spaced out.pdf"),
    ],
)
def test_safe_download_name(original, expected):
    assert safe_download_name(original) == expected


def test_safe_download_name_length_keeps_extension():
    name = safe_download_name("ع" * 500 + ".pdf")
    assert len(name) == 120
    assert name.endswith(".pdf")
    assert len(safe_download_name("x" * 500)) == 120


def test_random_storage_name():
    a, b = random_storage_name("pdf"), random_storage_name(".PNG")
    assert re.fullmatch(r"[0-9a-f]{32}\.pdf", a)
    assert re.fullmatch(r"[0-9a-f]{32}\.png", b)
    assert a != random_storage_name("pdf")
    assert re.fullmatch(r"[0-9a-f]{32}", random_storage_name(""))
    with pytest.raises(ValueError):
        random_storage_name("../x")


# --- archives only count after the format's real end -------------------------

def _jpeg_with_scan(scan: bytes, before_scan: bytes = b"") -> bytes:
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    return b"\xff\xd8" + app0 + before_scan + b"\xff\xda\x00\x08\x01\x01\x00\x00\x3f\x00" + scan + b"\xff\xd9"


def test_zip_signature_inside_png_image_data_is_accepted():
    # Compressed pixels may contain any 4 bytes; ~1 real photo in 1000 has PK\x03\x04 somewhere.
    idat = _png_chunk(b"IDAT", b"\x00PK\x03\x04\x01\x02")
    png = make_png(idat)
    assert b"PK\x03\x04" in png
    assert sniff_upload(png) == ("image/png", "png")


def test_zip_signature_inside_jpeg_scan_data_is_accepted():
    # In entropy-coded data a literal 0xFF is stuffed as FF 00; PK\x03\x04 needs no stuffing.
    jpeg = _jpeg_with_scan(b"\x12PK\x03\x04\xff\x00\x34\xff\xd0\x56")
    assert sniff_upload(jpeg) == ("image/jpeg", "jpg")


def test_jpeg_thumbnail_end_marker_does_not_end_the_image():
    # An Exif thumbnail (its own FFD8..FFD9) lives inside APP1; the real image goes on after it.
    thumb = b"\xff\xd8\xff\xdb\x00\x03\x00\xff\xd9"
    app1 = b"\xff\xe1" + struct.pack(">H", 2 + 6 + len(thumb)) + b"Exif\x00\x00" + thumb
    jpeg = _jpeg_with_scan(b"\x01\x02", before_scan=app1)
    assert sniff_upload(jpeg) == ("image/jpeg", "jpg")
    zip_tail = b"PK\x03\x04\x14\x00" + b"\x00" * 30
    assert _err(jpeg + zip_tail) == ARCHIVE


def test_zip_signature_inside_pdf_stream_is_accepted():
    pdf = (b"%PDF-1.4\n1 0 obj<</Length 8>>stream\nPK\x03\x04abcd\nendstream endobj\n"
           b"trailer<<>>\n%%EOF\n")
    assert sniff_upload(pdf) == ("application/pdf", "pdf")
    # An incremental update appends after the first %%EOF: the last one is the end.
    assert sniff_upload(pdf + b"2 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n") == ("application/pdf", "pdf")


def test_png_chunk_running_past_the_end_is_damaged():
    png = make_png()
    broken = png[:8] + struct.pack(">I", 10_000) + png[12:]
    assert _err(broken) == DAMAGED


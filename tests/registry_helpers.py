"""Shared builders for the registry tests."""
from __future__ import annotations

import struct
import zlib
from datetime import date

from extensions import db
from workflow.identity import check_digit

VALID_IDS = ["1058529940", "1000000008", "1000000016", "1000000024", "1000000032", "1000000040",
             "1000000057", "1000000065", "1000000073", "1000000081", "1000000099", "1000000107"]
RESIDENT_ID = "2000000006"


def luhn_id(prefix: str) -> str:
    """A valid 10-digit ID starting with `prefix` (9 digits given or padded)."""
    body = (prefix + "0" * 9)[:9]
    return body + check_digit(body)


def make_beneficiary(**overrides):
    from workflow.registry import create_beneficiary

    data = {"national_id": "1058529940", "first_name": "أحمد", "father_name": "محمد", "grandfather_name": "علي",
            "family_name": "الغامدي", "gender": "male", "birth_date": date(1985, 3, 1), "nationality": "SA",
            "phone": "0551138821", "city": "الرياض", "region": "riyadh"}
    data.update(overrides)
    beneficiary = create_beneficiary(data)
    db.session.commit()
    return beneficiary


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bytes() -> bytes:
    ihdr = _png_chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
    idat = _png_chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
    return b"\x89PNG\r\n\x1a\n" + ihdr + idat + _png_chunk(b"IEND", b"")


def pdf_bytes() -> bytes:
    return (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
            b"trailer<</Root 1 0 R>>\n%%EOF\n")

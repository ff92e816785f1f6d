"""Reference lists the admin configures: channels, staff tools, document types."""
from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import db


class Bilingual:
    """Rows with an Arabic and an English name, shown in the reader's language."""

    name_ar: Mapped[str]
    name_en: Mapped[str]

    @property
    def name(self) -> str:
        from flask_babel import get_locale

        try:
            lang = str(get_locale() or "ar")
        except Exception:
            lang = "ar"
        return (self.name_en if lang == "en" and self.name_en else self.name_ar) or ""

    def __str__(self) -> str:
        return self.name


class Channel(Bilingual, db.Model):
    """A way beneficiaries reach the organisation (policy: قنوات التواصل)."""

    __tablename__ = "channel"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(50), unique=True)
    name_ar: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)


class StaffTool(Bilingual, db.Model):
    """A tool available to the beneficiary-relations officer (bylaws, guides, forms)."""

    __tablename__ = "staff_tool"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(50), unique=True)
    name_ar: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    description_ar: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    url: Mapped[str] = mapped_column(String(500), default="")
    file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_file.id", ondelete="SET NULL"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)

    file = relationship("StoredFile")


class DocumentType(Bilingual, db.Model):
    """A kind of supporting document (national ID copy, family card, income proof…)."""

    __tablename__ = "document_type"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(50), unique=True)
    name_ar: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    expires: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)

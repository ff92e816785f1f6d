"""Branch offices (المكاتب الفرعية) and their representatives (مناديب المكاتب الفرعية)."""
from __future__ import annotations

from sqlalchemy import Boolean, Column, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import db
from models.reference import Bilingual

# Staff members of a branch; a user with no branch works at head office and sees every branch.
user_branch = Table(
    "user_branch",
    db.metadata,
    Column("user_id", ForeignKey("user.id", ondelete="CASCADE"), primary_key=True),
    Column("branch_id", ForeignKey("branch.id", ondelete="CASCADE"), primary_key=True),
)


class Branch(Bilingual, db.Model):
    """A branch office: where beneficiaries are received outside head office (set by admins)."""

    __tablename__ = "branch"

    id: Mapped[int] = mapped_column(primary_key=True)
    name_ar: Mapped[str] = mapped_column(String(200), unique=True)
    name_en: Mapped[str] = mapped_column(String(200), default="")
    city: Mapped[str] = mapped_column(String(60), default="")
    region: Mapped[str] = mapped_column(String(60), default="")
    phone: Mapped[str] = mapped_column(String(30), default="")
    email: Mapped[str] = mapped_column(String(255), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    representatives = relationship("BranchRepresentative", back_populates="branch", cascade="all, delete-orphan",
                                   order_by="BranchRepresentative.full_name")


class BranchRepresentative(db.Model):
    """A branch's representative in the field, who brings requests in on beneficiaries' behalf.
    Not necessarily a staff account: the request names them and takes their branch."""

    __tablename__ = "branch_representative"

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branch.id", ondelete="CASCADE"), index=True)
    full_name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str] = mapped_column(String(16), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    branch = relationship("Branch", back_populates="representatives", lazy="joined")

    def __str__(self) -> str:
        return f"{self.full_name} — {self.branch}" if self.branch else self.full_name

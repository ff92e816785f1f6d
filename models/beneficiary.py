"""The beneficiary aggregate: the person, their household, documents, declarations, contacts."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, Numeric, String, Text, delete, insert
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import db
from models.types import UTCDateTime, utcnow
from workflow.arabic import NAME_WORD_LENGTH, fold_arabic, full_name, name_words


class Gender:
    MALE = "male"
    FEMALE = "female"
    ALL = (MALE, FEMALE)


class MaritalStatus:
    ALL = ("single", "married", "divorced", "widowed")


class Beneficiary(db.Model):
    __tablename__ = "beneficiary"
    __table_args__ = (
        Index("ix_beneficiary_region_city", "region", "city"),
        # The list sorted by registration date; with the key, a deep page's keys come from the
        # index alone (perf4).
        Index("ix_beneficiary_created_id", "created_at", "id"),
        # The city (and gender) filters in the registry's order, newest registered first (speed2).
        Index("ix_beneficiary_city_gender_id", "city", "gender", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    national_id: Mapped[str] = mapped_column(String(10), unique=True)
    first_name: Mapped[str] = mapped_column(String(60))
    father_name: Mapped[str] = mapped_column(String(60), default="")
    grandfather_name: Mapped[str] = mapped_column(String(60), default="")
    family_name: Mapped[str] = mapped_column(String(60))
    # Folded full name (see workflow.arabic.fold_arabic), kept in step on every write;
    # an ordinary index serves prefix search without a per-row function.
    name_search: Mapped[str] = mapped_column(String(260), index=True, default="")
    gender: Mapped[str] = mapped_column(String(10), index=True)
    birth_date: Mapped[date | None] = mapped_column(Date)
    nationality: Mapped[str] = mapped_column(String(2), default="SA", index=True)  # ISO 3166 alpha-2
    phone: Mapped[str] = mapped_column(String(16), index=True)  # E.164
    email: Mapped[str] = mapped_column(String(255), default="")
    # Messages (workflow/messaging): the channel the person prefers ("" = the organisation's), and
    # the opt-out: while it is set, no message is sent at all (PDPL: consent withdrawn).
    preferred_channel: Mapped[str] = mapped_column(String(16), default="")
    messages_opt_out: Mapped[bool] = mapped_column(Boolean, default=False)
    region: Mapped[str] = mapped_column(String(60), default="")
    city: Mapped[str] = mapped_column(String(60), default="", index=True)
    district: Mapped[str] = mapped_column(String(60), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    marital_status: Mapped[str] = mapped_column(String(12), default="")
    monthly_income: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)  # indexed with the key above
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    # Set when the retention job anonymised this record.
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Optimistic locking: an edit form saved after someone else's save is refused (admin_views/base.py).
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}
    # The branch office that registered them (None: head office).
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("branch.id"), index=True)

    branch = relationship("Branch")
    household = relationship("HouseholdMember", back_populates="beneficiary",
                             cascade="all, delete-orphan", order_by="HouseholdMember.id")
    documents = relationship("Document", back_populates="beneficiary", cascade="all, delete-orphan",
                             order_by="Document.id")
    declarations = relationship("Declaration", back_populates="beneficiary", cascade="all, delete-orphan",
                                order_by="Declaration.id")
    communications = relationship("Communication", back_populates="beneficiary", cascade="all, delete-orphan",
                                  order_by="Communication.at.desc()")

    @property
    def full_name(self) -> str:
        return full_name(self.first_name, self.father_name, self.grandfather_name, self.family_name)

    def refresh_search_name(self) -> None:
        self.name_search = fold_arabic(self.full_name)

    @property
    def household_size(self) -> int:
        return 1 + len(self.household)

    def __str__(self) -> str:
        return self.full_name


@db.event.listens_for(Beneficiary, "before_insert")
@db.event.listens_for(Beneficiary, "before_update")
def _keep_search_name(mapper, connection, target: Beneficiary) -> None:
    target.refresh_search_name()


class BeneficiaryNameWord(db.Model):
    """One word of a beneficiary's folded name (workflow.arabic.name_words): the search index.

    Finding a name by ANY of its words ("العنزي" finds the whole family) with
    `name_search LIKE '% word%'` reads every row; a range on this table's
    (word, beneficiary_id) index reads only the matching words. The "C" collation
    on PostgreSQL makes that range a byte-order prefix range whatever the
    database's locale. Kept in step by the mapper events below and, for the bulk
    writes that bypass them, by write_name_words.
    """

    __tablename__ = "beneficiary_name_word"
    __table_args__ = (
        Index("ix_beneficiary_name_word_word", "word", "beneficiary_id"),
    )

    beneficiary_id: Mapped[int] = mapped_column(ForeignKey("beneficiary.id", ondelete="CASCADE"), primary_key=True)
    word: Mapped[str] = mapped_column(
        String(NAME_WORD_LENGTH).with_variant(String(NAME_WORD_LENGTH, collation="C"), "postgresql"),
        primary_key=True)


def write_name_words(connection, beneficiary_id: int, name_search: str, replace: bool = True) -> None:
    """Replace the indexed words of one beneficiary (for writes that bypass the ORM)."""
    table = BeneficiaryNameWord.__table__
    if replace:
        connection.execute(delete(table).where(table.c.beneficiary_id == beneficiary_id))
    rows = [{"beneficiary_id": beneficiary_id, "word": w} for w in sorted(name_words(name_search))]
    if rows:
        connection.execute(insert(table), rows)


# A bulk write (an import of 20,000 rows) collects the words of the new beneficiaries here and
# writes them once per flush (write_collected_name_words): one statement, not one per person.
COLLECT_NAME_WORDS = "collect_name_words"


def write_collected_name_words(connection) -> None:
    rows = connection.info.get(COLLECT_NAME_WORDS)
    if rows:
        connection.execute(insert(BeneficiaryNameWord.__table__), list(rows))
        rows.clear()


@db.event.listens_for(Beneficiary, "after_insert")
def _index_new_name(mapper, connection, target: Beneficiary) -> None:
    collected = connection.info.get(COLLECT_NAME_WORDS)
    if collected is not None:
        collected.extend({"beneficiary_id": target.id, "word": w} for w in sorted(name_words(target.name_search)))
        return
    write_name_words(connection, target.id, target.name_search, replace=False)


@db.event.listens_for(Beneficiary, "after_update")
def _reindex_changed_name(mapper, connection, target: Beneficiary) -> None:
    if sa_inspect(target).attrs.name_search.history.has_changes():
        write_name_words(connection, target.id, target.name_search)


@db.event.listens_for(Beneficiary, "after_delete")
def _drop_name_words(mapper, connection, target: Beneficiary) -> None:
    # SQLite does not enforce the ON DELETE CASCADE unless foreign keys are switched on.
    table = BeneficiaryNameWord.__table__
    connection.execute(delete(table).where(table.c.beneficiary_id == target.id))


class HouseholdMember(db.Model):
    __tablename__ = "household_member"

    id: Mapped[int] = mapped_column(primary_key=True)
    beneficiary_id: Mapped[int] = mapped_column(ForeignKey("beneficiary.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    relation: Mapped[str] = mapped_column(String(20))  # spouse, son, daughter, father, mother, brother, sister, other
    birth_date: Mapped[date | None] = mapped_column(Date)
    national_id: Mapped[str | None] = mapped_column(String(10))
    monthly_income: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    has_disability: Mapped[bool] = mapped_column(Boolean, default=False)
    notes: Mapped[str] = mapped_column(String(300), default="")

    beneficiary = relationship("Beneficiary", back_populates="household")

    def __str__(self) -> str:
        return self.name


class Document(db.Model):
    __tablename__ = "document"

    id: Mapped[int] = mapped_column(primary_key=True)
    beneficiary_id: Mapped[int] = mapped_column(ForeignKey("beneficiary.id", ondelete="CASCADE"), index=True)
    application_id: Mapped[int | None] = mapped_column(ForeignKey("application.id", ondelete="SET NULL"), index=True)
    document_type_id: Mapped[int] = mapped_column(ForeignKey("document_type.id"), index=True)
    issue_date: Mapped[date | None] = mapped_column(Date)
    expiry_date: Mapped[date | None] = mapped_column(Date, index=True)
    file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_file.id", ondelete="SET NULL"))
    notes: Mapped[str] = mapped_column(String(300), default="")
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    beneficiary = relationship("Beneficiary", back_populates="documents")
    document_type = relationship("DocumentType", lazy="joined")
    file = relationship("StoredFile", lazy="joined")
    verified_by = relationship("User")

    def valid_on(self, day: date) -> bool:
        """Valid at a given day (the policy checks validity at submission time)."""
        if self.issue_date and self.issue_date > day:
            return False
        return self.expiry_date is None or self.expiry_date >= day

    def __str__(self) -> str:
        return str(self.document_type) if self.document_type else f"#{self.id}"


class DeclarationText(db.Model):
    """The versioned wording of the declaration the beneficiary signs (set by admins)."""

    __tablename__ = "declaration_text"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer, unique=True)
    text_ar: Mapped[str] = mapped_column(Text)
    text_en: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __str__(self) -> str:
        return f"v{self.version}"


class DeclarationMethod:
    IN_PERSON = "in_person"
    ONLINE = "online"
    ALL = (IN_PERSON, ONLINE)


class Declaration(db.Model):
    """The beneficiary's signed statement that their data is correct (policy step)."""

    __tablename__ = "declaration"

    id: Mapped[int] = mapped_column(primary_key=True)
    beneficiary_id: Mapped[int] = mapped_column(ForeignKey("beneficiary.id", ondelete="CASCADE"), index=True)
    application_id: Mapped[int | None] = mapped_column(ForeignKey("application.id", ondelete="SET NULL"), index=True)
    text_id: Mapped[int] = mapped_column(ForeignKey("declaration_text.id"))
    method: Mapped[str] = mapped_column(String(12))
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    signed_name: Mapped[str] = mapped_column(String(260), default="")  # typed name, online
    ip_address: Mapped[str] = mapped_column(String(45), default="")  # online only
    scan_file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_file.id", ondelete="SET NULL"))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    beneficiary = relationship("Beneficiary", back_populates="declarations")
    text = relationship("DeclarationText", lazy="joined")
    scan_file = relationship("StoredFile")
    recorded_by = relationship("User")


class Direction:
    INCOMING = "incoming"
    OUTGOING = "outgoing"
    ALL = (INCOMING, OUTGOING)


class Communication(db.Model):
    """Every contact with a beneficiary, in either direction."""

    __tablename__ = "communication"
    __table_args__ = (
        # A beneficiary's contacts, newest first (timeline), and follow-ups due (dashboard) (bench1).
        Index("ix_communication_beneficiary_at", "beneficiary_id", "at"),
        Index("ix_communication_follow_up", "follow_up_done", "follow_up_on"),
        # A request's contacts, newest first (request details page) (perf1).
        Index("ix_communication_application_at", "application_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # None only for a contact about a group's or an organisation's request (application_id set).
    beneficiary_id: Mapped[int | None] = mapped_column(ForeignKey("beneficiary.id", ondelete="CASCADE"), index=True)
    application_id: Mapped[int | None] = mapped_column(ForeignKey("application.id", ondelete="SET NULL"), index=True)
    channel_id: Mapped[int | None] = mapped_column(ForeignKey("channel.id"), index=True)
    direction: Mapped[str] = mapped_column(String(10))
    subject: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    follow_up_on: Mapped[date | None] = mapped_column(Date, index=True)
    follow_up_done: Mapped[bool] = mapped_column(Boolean, default=False)
    # How it was sent when the system sent it (record, email, sms) and the result.
    delivery: Mapped[str] = mapped_column(String(20), default="")
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("branch.id"), index=True)  # the branch that had it

    beneficiary = relationship("Beneficiary", back_populates="communications")
    channel = relationship("Channel", lazy="joined")
    staff = relationship("User", lazy="joined")
    branch = relationship("Branch")

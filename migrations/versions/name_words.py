"""Beneficiary name-word index: find a name by any of its words from an index (issue 7)

`name_search LIKE '% word%'` read all 100,000 folded names for every search by a
family name; this table holds each word of each name (workflow.arabic.name_words)
under an index on (word, beneficiary_id), so the search reads only the matching
words. Existing names are indexed here, in batches.

On PostgreSQL the prefix and trigram indexes migration bench1 put on
`beneficiary.name_search` served only that LIKE search; they are dropped (the
column stays indexed for sorting and the duplicate check).

Revision ID: perf2
Revises: perf1
"""
import sqlalchemy as sa
from alembic import op

revision = "perf2"
down_revision = "perf1"
branch_labels = None
depends_on = None

BATCH = 5000


def upgrade():
    # Imported here: the migration must split names exactly as the application does.
    from workflow.arabic import NAME_WORD_LENGTH, name_words

    word_type = sa.String(NAME_WORD_LENGTH).with_variant(sa.String(NAME_WORD_LENGTH, collation="C"), "postgresql")
    table = op.create_table(
        "beneficiary_name_word",
        sa.Column("beneficiary_id", sa.Integer(), nullable=False),
        sa.Column("word", word_type, nullable=False),
        sa.ForeignKeyConstraint(["beneficiary_id"], ["beneficiary.id"],
                                name=op.f("fk_beneficiary_name_word_beneficiary_id_beneficiary"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("beneficiary_id", "word", name=op.f("pk_beneficiary_name_word")),
    )
    bind = op.get_bind()
    beneficiary = sa.table("beneficiary", sa.column("id", sa.Integer), sa.column("name_search", sa.String))
    last = 0
    while True:
        rows = bind.execute(sa.select(beneficiary.c.id, beneficiary.c.name_search)
                            .where(beneficiary.c.id > last).order_by(beneficiary.c.id).limit(BATCH)).all()
        if not rows:
            break
        words = [{"beneficiary_id": r.id, "word": w} for r in rows for w in sorted(name_words(r.name_search))]
        if words:
            op.bulk_insert(table, words)
        last = rows[-1].id
    op.create_index("ix_beneficiary_name_word_word", "beneficiary_name_word", ["word", "beneficiary_id"])
    op.execute("ANALYZE beneficiary_name_word")
    if bind.dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_beneficiary_name_search_trgm")
        op.execute("DROP INDEX IF EXISTS ix_beneficiary_name_search_pattern")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE INDEX ix_beneficiary_name_search_pattern ON beneficiary (name_search text_pattern_ops)")
    op.drop_index("ix_beneficiary_name_word_word", table_name="beneficiary_name_word")
    op.drop_table("beneficiary_name_word")

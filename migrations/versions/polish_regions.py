"""Regions stored one way: by code (issue 15)

Until now the staff form stored the region's code (`riyadh`) and the public request form the
text typed (`الرياض`), so the reports listed both and region criteria missed online requests.
Every form now stores the code of one of the 13 regions (workflow/regions.py); this turns the
texts already stored into codes, on beneficiaries and in region eligibility criteria. A text
that names no region is left as it was (staff see it and can correct it). No schema change.

Revision ID: polish1
Revises: followup1
"""
import sqlalchemy as sa
from alembic import op

from workflow.regions import region_code

revision = "polish1"
down_revision = 'followup1'
branch_labels = None
depends_on = None


def upgrade():
    conn = op.get_bind()
    beneficiary = sa.table("beneficiary", sa.column("id", sa.Integer), sa.column("region", sa.String))
    rows = conn.execute(sa.select(beneficiary.c.region).where(beneficiary.c.region != "").distinct()).all()
    for (text,) in rows:
        code = region_code(text)
        if code and code != text:
            conn.execute(beneficiary.update().where(beneficiary.c.region == text).values(region=code))
    criterion = sa.table("eligibility_criterion", sa.column("id", sa.Integer), sa.column("field", sa.String),
                         sa.column("value", sa.String))
    for cid, value in conn.execute(sa.select(criterion.c.id, criterion.c.value)
                                   .where(criterion.c.field == "region")).all():
        parts = [p.strip() for p in str(value).replace("،", ",").split(",") if p.strip()]
        codes = [region_code(p) or p for p in parts]
        if codes != parts:
            conn.execute(criterion.update().where(criterion.c.id == cid).values(value=",".join(codes)))


def downgrade():
    pass  # the codes are what every form stores from now on: nothing to undo

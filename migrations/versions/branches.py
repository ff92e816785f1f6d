"""Branch offices and their representatives, staff users' branches, the receiving branch on
beneficiaries, requests and communications; programme requests from groups and organisations
(applicant kind, contact person, registration number, expected beneficiaries, execution dates,
responsible staff member; a request's beneficiary becomes optional); policy features (issue 14).

Revision ID: branches1
Revises: outbox1
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'branches1'
down_revision = 'outbox1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('branch',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name_ar', sa.String(length=200), nullable=False),
    sa.Column('name_en', sa.String(length=200), nullable=False),
    sa.Column('city', sa.String(length=60), nullable=False),
    sa.Column('region', sa.String(length=60), nullable=False),
    sa.Column('phone', sa.String(length=30), nullable=False),
    sa.Column('email', sa.String(length=255), nullable=False),
    sa.Column('address', sa.String(length=300), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_branch')),
    sa.UniqueConstraint('name_ar', name=op.f('uq_branch_name_ar'))
    )
    op.create_table('branch_representative',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('branch_id', sa.Integer(), nullable=False),
    sa.Column('full_name', sa.String(length=200), nullable=False),
    sa.Column('phone', sa.String(length=16), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['branch_id'], ['branch.id'], name=op.f('fk_branch_representative_branch_id_branch'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_branch_representative'))
    )
    with op.batch_alter_table('branch_representative', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_branch_representative_branch_id'), ['branch_id'], unique=False)

    op.create_table('user_branch',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('branch_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['branch_id'], ['branch.id'], name=op.f('fk_user_branch_branch_id_branch'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_user_branch_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'branch_id', name=op.f('pk_user_branch'))
    )
    with op.batch_alter_table('application', schema=None) as batch_op:
        batch_op.add_column(sa.Column('branch_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('representative_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('applicant_kind', sa.String(length=12), nullable=False, server_default=sa.text("'person'")))
        batch_op.add_column(sa.Column('applicant_name', sa.String(length=200), nullable=False, server_default=sa.text("''")))
        batch_op.add_column(sa.Column('contact_name', sa.String(length=200), nullable=False, server_default=sa.text("''")))
        batch_op.add_column(sa.Column('contact_phone', sa.String(length=16), nullable=False, server_default=sa.text("''")))
        batch_op.add_column(sa.Column('registration_no', sa.String(length=50), nullable=False, server_default=sa.text("''")))
        batch_op.add_column(sa.Column('expected_beneficiaries', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('execution_start', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('execution_end', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('responsible_id', sa.Integer(), nullable=True))
        batch_op.alter_column('beneficiary_id',
               existing_type=sa.INTEGER(),
               nullable=True)
        batch_op.create_index(batch_op.f('ix_application_branch_id'), ['branch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_application_representative_id'), ['representative_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_application_responsible_id'), ['responsible_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_application_branch_id_branch'), 'branch', ['branch_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_application_representative_id_branch_representative'), 'branch_representative', ['representative_id'], ['id'], ondelete='SET NULL')
        batch_op.create_foreign_key(batch_op.f('fk_application_responsible_id_user'), 'user', ['responsible_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('beneficiary', schema=None) as batch_op:
        batch_op.add_column(sa.Column('branch_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_beneficiary_branch_id'), ['branch_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_beneficiary_branch_id_branch'), 'branch', ['branch_id'], ['id'])

    with op.batch_alter_table('communication', schema=None) as batch_op:
        batch_op.add_column(sa.Column('branch_id', sa.Integer(), nullable=True))
        batch_op.alter_column('beneficiary_id',
               existing_type=sa.INTEGER(),
               nullable=True)
        batch_op.create_index(batch_op.f('ix_communication_branch_id'), ['branch_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_communication_branch_id_branch'), 'branch', ['branch_id'], ['id'])

    with op.batch_alter_table('organisation_profile', schema=None) as batch_op:
        batch_op.add_column(sa.Column('features', sa.JSON(), nullable=False, server_default=sa.text("'{}'")))

    # Existing rows got their values from the server defaults; the models set them from now on.
    with op.batch_alter_table('application', schema=None) as batch_op:
        for name in ('applicant_kind', 'applicant_name', 'contact_name', 'contact_phone', 'registration_no'):
            batch_op.alter_column(name, server_default=None)
    with op.batch_alter_table('organisation_profile', schema=None) as batch_op:
        batch_op.alter_column('features', server_default=None)



def downgrade():
    with op.batch_alter_table('organisation_profile', schema=None) as batch_op:
        batch_op.drop_column('features')

    with op.batch_alter_table('communication', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_communication_branch_id_branch'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_communication_branch_id'))
        batch_op.alter_column('beneficiary_id',
               existing_type=sa.INTEGER(),
               nullable=False)
        batch_op.drop_column('branch_id')

    with op.batch_alter_table('beneficiary', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_beneficiary_branch_id_branch'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_beneficiary_branch_id'))
        batch_op.drop_column('branch_id')

    with op.batch_alter_table('application', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_application_responsible_id_user'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_application_representative_id_branch_representative'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_application_branch_id_branch'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_application_responsible_id'))
        batch_op.drop_index(batch_op.f('ix_application_representative_id'))
        batch_op.drop_index(batch_op.f('ix_application_branch_id'))
        batch_op.alter_column('beneficiary_id',
               existing_type=sa.INTEGER(),
               nullable=False)
        batch_op.drop_column('responsible_id')
        batch_op.drop_column('execution_end')
        batch_op.drop_column('execution_start')
        batch_op.drop_column('expected_beneficiaries')
        batch_op.drop_column('registration_no')
        batch_op.drop_column('contact_phone')
        batch_op.drop_column('contact_name')
        batch_op.drop_column('applicant_name')
        batch_op.drop_column('applicant_kind')
        batch_op.drop_column('representative_id')
        batch_op.drop_column('branch_id')

    op.drop_table('user_branch')
    with op.batch_alter_table('branch_representative', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_branch_representative_branch_id'))

    op.drop_table('branch_representative')
    op.drop_table('branch')

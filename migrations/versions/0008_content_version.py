"""content version: a random token moved by every public change, and the next time-based change

Revision ID: 0008_content_version
Revises: 0007_newsletter_compliance
"""
import secrets

from alembic import op
import sqlalchemy as sa


revision = "0008_content_version"
down_revision = "0007_newsletter_compliance"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('site_settings') as batch_op:
        batch_op.add_column(sa.Column('content_version', sa.String(length=32), nullable=False,
                                      server_default=secrets.token_hex(8)))
        batch_op.add_column(sa.Column('next_change_at', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('site_settings') as batch_op:
        batch_op.alter_column('content_version', server_default=None)
    # A moment already passed: the first request works out the real next change (a scheduled post).
    op.execute("UPDATE site_settings SET next_change_at = CURRENT_TIMESTAMP")


def downgrade():
    with op.batch_alter_table('site_settings') as batch_op:
        batch_op.drop_column('next_change_at')
        batch_op.drop_column('content_version')

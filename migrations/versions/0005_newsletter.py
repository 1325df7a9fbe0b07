"""newsletter: tables of the newsletter feature

Revision ID: 0005_newsletter
Revises: 0004_events
"""
from alembic import op
import sqlalchemy as sa


revision = "0005_newsletter"
down_revision = "0004_events"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass

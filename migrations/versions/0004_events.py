"""events: tables of the events feature

Revision ID: 0004_events
Revises: 0003_embeds
"""
from alembic import op
import sqlalchemy as sa


revision = "0004_events"
down_revision = "0003_embeds"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass

"""embeds: tables of the embeds feature

Revision ID: 0003_embeds
Revises: 0002_media
"""
from alembic import op
import sqlalchemy as sa


revision = "0003_embeds"
down_revision = "0002_media"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass

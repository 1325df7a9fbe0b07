"""media: tables of the media feature

Revision ID: 0002_media
Revises: 0001_foundation
"""
from alembic import op
import sqlalchemy as sa


revision = "0002_media"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass

"""newsletter: consent log, suppression hashes, send-rate counters, drafts with approval

Revision ID: 0007_newsletter_compliance
Revises: 0006_session_version
"""
from alembic import op
import sqlalchemy as sa


revision = "0007_newsletter_compliance"
down_revision = "0006_session_version"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('send_counters',
    sa.Column('bucket', sa.String(length=300), nullable=False),
    sa.Column('window_ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('bucket', name=op.f('pk_send_counters'))
    )
    with op.batch_alter_table('send_counters', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_send_counters_window_ends_at'), ['window_ends_at'], unique=False)

    op.create_table('suppressed_addresses',
    sa.Column('address_hash', sa.String(length=64), nullable=False),
    sa.Column('reason', sa.String(length=20), nullable=False),
    sa.Column('suppressed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('address_hash', name=op.f('pk_suppressed_addresses'))
    )
    op.create_table('consent_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subscriber_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('action', sa.String(length=30), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('consent_text', sa.Text(), nullable=False),
    sa.Column('consent_version', sa.String(length=40), nullable=False),
    sa.Column('ip_address', sa.String(length=45), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['subscriber_id'], ['subscribers.id'], name=op.f('fk_consent_events_subscriber_id_subscribers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consent_events'))
    )
    with op.batch_alter_table('consent_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consent_events_subscriber_id'), ['subscriber_id'], unique=False)

    op.create_table('mailing_drafts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('covers_from', sa.DateTime(timezone=True), nullable=True),
    sa.Column('covers_until', sa.DateTime(timezone=True), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=True),
    sa.Column('event_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('approved_by_id', sa.Integer(), nullable=True),
    sa.Column('mailing_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['approved_by_id'], ['users.id'], name=op.f('fk_mailing_drafts_approved_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_mailing_drafts_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['mailing_id'], ['mailings.id'], name=op.f('fk_mailing_drafts_mailing_id_mailings'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_mailing_drafts_post_id_posts'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mailing_drafts'))
    )


def downgrade():
    op.drop_table('mailing_drafts')
    with op.batch_alter_table('consent_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consent_events_subscriber_id'))

    op.drop_table('consent_events')
    op.drop_table('suppressed_addresses')
    with op.batch_alter_table('send_counters', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_send_counters_window_ends_at'))

    op.drop_table('send_counters')

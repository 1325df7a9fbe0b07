"""newsletter: consent log, suppression hashes, send-rate counters, drafts with approval

Revision ID: 0006_newsletter_compliance
Revises: 0005_newsletter
"""
from alembic import op
import sqlalchemy as sa


revision = "0006_newsletter_compliance"
down_revision = "0005_newsletter"
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

    with op.batch_alter_table('mailings', schema=None) as batch_op:
        # Every mailing before this revision was queued (drafts did not exist).
        batch_op.add_column(sa.Column('status', sa.String(length=20), nullable=False, server_default='queued'))
        batch_op.add_column(sa.Column('audience_tags', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('approved_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_mailings_approved_by_id_users'), 'users', ['approved_by_id'], ['id'], ondelete='SET NULL')



def downgrade():
    with op.batch_alter_table('mailings', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_mailings_approved_by_id_users'), type_='foreignkey')
        batch_op.drop_column('approved_at')
        batch_op.drop_column('approved_by_id')
        batch_op.drop_column('audience_tags')
        batch_op.drop_column('status')

    with op.batch_alter_table('consent_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consent_events_subscriber_id'))

    op.drop_table('consent_events')
    op.drop_table('suppressed_addresses')
    with op.batch_alter_table('send_counters', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_send_counters_window_ends_at'))

    op.drop_table('send_counters')

"""event_people.person_id: an event's speakers and organisers linked to the site's people;
ix_posts_listed for counting and paging listed posts (numbered feed archive pages)

Revision ID: 0015_event_people_person
Revises: 0014_pages_navigation

Events credited people by name only, and a person's page found their talks by
matching that name. The column links a credit to the person (a user, with an
account or byline-only); existing credits are linked where the name is, ignoring
case and surrounding spaces, the display name of exactly one person. Credits
naming no one (guest speakers), or a name two people share, stay unlinked.
"""
from alembic import op
import sqlalchemy as sa


revision = "0015_event_people_person"
down_revision = "0014_pages_navigation"
branch_labels = None
depends_on = None

event_people = sa.table("event_people", sa.column("id", sa.Integer), sa.column("name", sa.String),
                        sa.column("person_id", sa.Integer))
users = sa.table("users", sa.column("id", sa.Integer), sa.column("display_name", sa.String))


def upgrade():
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.create_index('ix_posts_listed', ['kind', 'published_at', 'id', 'status'], unique=False)

    with op.batch_alter_table('event_people', schema=None) as batch_op:
        batch_op.add_column(sa.Column('person_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_event_people_person_id'), ['person_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_event_people_person_id_users'), 'users', ['person_id'], ['id'],
                                    ondelete='SET NULL')

    connection = op.get_bind()
    by_name: dict[str, list[int]] = {}
    for user_id, display_name in connection.execute(sa.select(users.c.id, users.c.display_name)):
        by_name.setdefault((display_name or "").strip().lower(), []).append(user_id)
    for credit_id, name in connection.execute(sa.select(event_people.c.id, event_people.c.name)):
        matches = by_name.get((name or "").strip().lower(), [])
        if len(matches) == 1:
            connection.execute(event_people.update().where(event_people.c.id == credit_id)
                               .values(person_id=matches[0]))


def downgrade():
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.drop_index('ix_posts_listed')
    with op.batch_alter_table('event_people', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_event_people_person_id_users'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_event_people_person_id'))
        batch_op.drop_column('person_id')

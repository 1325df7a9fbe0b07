"""The demo's people page: its two authors listed with their roles in the group."""
from __future__ import annotations

from blog.extensions import db
from blog.people.models import PersonProfile

DEMO_ROLES = ("Co-lead, senior lecturer", "Co-lead, consultant forensic psychologist")


def seed_people(created: dict) -> None:
    """Idempotent: a demo author who already has a profile keeps it. Profiles go with their person
    when ``flask demo --remove`` deletes the demo people (the database cascades)."""
    for position, (person, role) in enumerate(zip(created["authors"], DEMO_ROLES)):
        if db.session.get(PersonProfile, person.id) is None:
            db.session.add(PersonProfile(user_id=person.id, group_role=role, links="", position=position,
                                         listed=True))
    db.session.flush()

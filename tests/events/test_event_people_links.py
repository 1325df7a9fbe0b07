"""Speakers and organisers linked to the site's people: chosen in the event form, linked on the event
page, and the person's page lists the talks credited to them by link (by name only for credits
linked to no one); the migration links the credits events already had."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from blog import create_app
from blog.accounts.models import Role
from blog.errors import ValidationFailed
from blog.events import services as events
from blog.events.models import Event
from blog.events.services import EventInput, PersonInput
from blog.events.structured_data import event_json_ld
from blog.extensions import db
from blog.people import services as people
from tests.conftest import config_for_tests
from tests.factories import login, make_user
from tests.test_schema import _fresh_database


def _event(by, people_input, title="Engines"):
    event = events.create_event(EventInput(title=title, precision="tba", people=people_input), by=by)
    events.publish_event(event, by=by)
    db.session.commit()
    return event


def test_credits_link_by_choice_or_by_a_unique_name(appctx):
    editor = make_user(Role.EDITOR)
    ada = make_user(name="Ada Lovelace", affiliation="Analytical Society")
    make_user(name="Sam Twin"), make_user(name="Sam Twin")
    event = _event(editor, [
        PersonInput(name="", role="organiser", person_id=ada.id),  # chosen: her name and affiliation
        PersonInput(name="sam twin", role="speaker"),  # two people have it: a guest's credit
        PersonInput(name="  ada LOVELACE ", affiliation="Guest of honour", role="speaker"),  # typed: linked
        PersonInput(name="Dr Priya Natarajan", affiliation="Trust", role="speaker"),
    ])
    credits = [(p.role, p.name, p.affiliation, p.person_id) for p in event.people]
    assert credits == [("organiser", "Ada Lovelace", "Analytical Society", ada.id),
                       ("speaker", "sam twin", "", None),
                       ("speaker", "ada LOVELACE", "Guest of honour", ada.id),
                       ("speaker", "Dr Priya Natarajan", "Trust", None)]
    with pytest.raises(ValidationFailed):
        events.save_event(event, EventInput(title="Engines", people=[PersonInput(name="", person_id=10**6)]),
                          by=editor)
    db.session.rollback()
    # The same person chosen and typed in the same role is credited once.
    events.save_event(event, EventInput(title="Engines", people=[
        PersonInput(name="", role="speaker", person_id=ada.id), PersonInput(name="Ada Lovelace", role="speaker")]),
        by=editor)
    assert [(p.role, p.person_id) for p in event.people] == [("speaker", ada.id)]


def test_talks_follow_the_link_and_fall_back_to_the_name_for_unlinked_credits(appctx):
    editor = make_user(Role.EDITOR)
    ada = make_user(name="Ada Lovelace")
    linked = _event(editor, [PersonInput(name="", role="speaker", person_id=ada.id)], title="Linked")
    namesake = make_user(name="Grace Hopper")
    other = make_user(name="Grace Hopper (Navy)")
    # A credit linked to someone else under the same name is theirs, not Grace's.
    _event(editor, [PersonInput(name="Grace Hopper", role="speaker", person_id=other.id)], title="Other's")
    unlinked = events.create_event(EventInput(title="Old", precision="tba"), by=editor)
    from blog.events.models import EventPerson
    unlinked.people.append(EventPerson(name="grace hopper", role="organiser"))  # as saved before links
    events.publish_event(unlinked, by=editor)
    db.session.commit()
    assert people.talks(namesake) == [unlinked]
    # Renamed, Ada still finds her talk (a name match would have lost it), and pages show her new name.
    ada.display_name = "Augusta Ada King"
    db.session.commit()
    assert people.talks(ada) == [linked]
    assert linked.speakers[0].shown_name == "Augusta Ada King"
    ld = event_json_ld(linked, datetime.now(timezone.utc))
    assert ld["performer"][0]["name"] == "Augusta Ada King"
    assert ld["performer"][0]["url"] == f"http://blog.test/people/{ada.slug}"


def test_event_form_chooses_people_and_pages_link_them(client, appctx):
    editor = make_user(Role.EDITOR)
    ada = make_user(name="Ada Lovelace", affiliation="Analytical Society")
    grace = make_user(name="Grace Hopper")
    login(client, editor)
    form = client.get("/events/editor/new").get_data(as_text=True)
    assert 'name="speaker_people"' in form and f'<option value="{ada.id}">Ada Lovelace (Analytical Society)</option>' in form
    response = client.post("/events/editor/new", data={
        "title": "Engines and looms", "precision": "tba", "timezone": "Europe/London", "status": "announced",
        "month": "0", "organiser_people": [str(grace.id)], "speaker_people": [str(ada.id)],
        "speakers": "Dr Priya Natarajan, Northbridge Trust\n", "action": "publish"})
    assert response.status_code == 302
    event = db.session.execute(db.select(Event)).scalar_one()
    assert [(p.role, p.name, p.person_id) for p in event.people] == [
        ("organiser", "Grace Hopper", grace.id), ("speaker", "Ada Lovelace", ada.id),
        ("speaker", "Dr Priya Natarajan", None)]
    # The form shows linked people as chosen, and guests as text; saving it again changes nothing.
    form = client.get(f"/events/editor/{event.id}").get_data(as_text=True)
    assert f'<option selected value="{ada.id}">' in form and "Dr Priya Natarajan, Northbridge Trust" in form
    assert "Ada Lovelace, Analytical" not in form
    client.post(f"/events/editor/{event.id}", data={
        "title": "Engines and looms", "precision": "tba", "timezone": "Europe/London", "status": "announced",
        "month": "0", "organiser_people": [str(grace.id)], "speaker_people": [str(ada.id)],
        "speakers": "Dr Priya Natarajan, Northbridge Trust", "base_sequence": str(event.sequence),
        "action": "save"})
    db.session.expire_all()
    assert [(p.role, p.person_id) for p in event.people] == [("organiser", grace.id), ("speaker", ada.id),
                                                             ("speaker", None)]
    client.get("/logout")
    reader = client.application.test_client()
    page = reader.get(f"/events/{event.slug}").get_data(as_text=True)
    assert f'<a href="/people/{ada.slug}">Ada Lovelace</a>, Analytical Society' in page
    assert f'<a href="/people/{grace.slug}">Grace Hopper</a>' in page
    assert "Dr Priya Natarajan, Northbridge Trust" in page
    person_page = reader.get(f"/people/{ada.slug}").get_data(as_text=True)
    assert f'href="/events/{event.slug}">Engines and looms</a>' in person_page


def _row_values(table: sa.Table, **given) -> dict:
    """Values for every required column of ``table`` (as migrated), with ``given`` ones."""
    filler = {str: "x", int: 0, bool: False, datetime: datetime(2026, 1, 1, tzinfo=timezone.utc)}
    values = {}
    for column in table.columns:
        if column.name in given or column.nullable or column.primary_key:
            continue
        try:
            values[column.name] = filler[column.type.python_type]
        except (KeyError, NotImplementedError):
            values[column.name] = "x"
    return {**values, **given}


def test_migration_links_existing_credits_whose_name_is_one_persons(database_url, tmp_path):
    url = _fresh_database(database_url, tmp_path)
    app = create_app(config_for_tests(url, tmp_path))
    with app.app_context():
        upgrade(revision="0014_pages_navigation")
        metadata = sa.MetaData()
        metadata.reflect(db.engine, only=["users", "events", "event_people"])
        users, event_rows, credits = (metadata.tables[n] for n in ("users", "events", "event_people"))
        with db.engine.begin() as connection:
            for n, name in enumerate(["Ada Lovelace", "Sam Twin", "Sam Twin"], start=1):
                connection.execute(users.insert().values(**_row_values(
                    users, id=n, display_name=name, slug=f"p{n}", email=f"p{n}@example.org")))
            connection.execute(event_rows.insert().values(**_row_values(
                event_rows, id=1, uid="u-1", slug="engines", title="Engines", precision="tba", status="announced")))
            for n, name in enumerate([" ada lovelace", "Sam Twin", "A Guest"], start=1):
                connection.execute(credits.insert().values(**_row_values(
                    credits, id=n, event_id=1, name=name, role="speaker", position=n)))
        upgrade()
        with db.engine.connect() as connection:
            linked = dict(connection.execute(sa.text("SELECT id, person_id FROM event_people")).all())
        db.engine.dispose()
    assert linked == {1: 1, 2: None, 3: None}


def test_links_travel_in_the_export_document(appctx):
    from tests.transfer.helpers import document_of, export_bytes, schema_errors

    editor = make_user(Role.EDITOR)
    ada = make_user(name="Ada Lovelace")
    _event(editor, [PersonInput(name="", role="speaker", person_id=ada.id), PersonInput(name="A Guest")])
    document = document_of(export_bytes())
    assert [(p["name"], p["person_id"]) for p in document["events"][0]["people"]] == [
        ("Ada Lovelace", ada.id), ("A Guest", None)]
    assert schema_errors(document) == []
    document["events"][0]["people"][0]["person_id"] = "Ada"
    assert schema_errors(document)  # the schema describes the link

"""Event services: uncertain dates, their display and order, status history, DST, write-up links."""
from datetime import date, datetime, timedelta

import pytest

from blog.accounts.models import Role
from blog.core.time import UTC
from blog.errors import NotAllowed, ValidationFailed
from blog.events import services
from blog.events.models import EventStatus
from blog.events.services import EventInput, PersonInput
from blog.extensions import db
from tests.factories import make_post, make_user


def _event(by, publish=True, **fields):
    fields.setdefault("title", "A workshop")
    event = services.create_event(EventInput(**fields), by=by)
    if publish:
        services.publish_event(event, by=by)
    db.session.commit()
    return event


def _input_of(event, **changes):
    """An EventInput that keeps everything as it is, except ``changes``."""
    data = dict(title=event.title, precision=event.precision, timezone=event.timezone, summary=event.summary,
                description_markdown=event.description_markdown, venue_name=event.venue_name,
                venue_address=event.venue_address, city=event.city, map_url=event.map_url,
                online_url=event.online_url, registration_url=event.registration_url,
                registration_note=event.registration_note, season=event.season)
    if event.start_date:
        data.update(year=event.start_date.year, month=event.start_date.month, start_date=event.start_date,
                    end_date=event.end_date)
    data.update(changes)
    return EventInput(**data)


def test_season_only_teaser_says_what_is_known(appctx):
    author = make_user(Role.AUTHOR)
    event = _event(author, precision="season", season="spring", year=2027, city="London")
    assert services.display_when(event) == "Spring 2027"
    assert services.display_line(event) == "Spring 2027, London, details to follow"
    assert event.sort_at == datetime(2027, 3, 1, tzinfo=UTC)  # GMT in March: midnight is 00:00 UTC
    assert event.over_at == datetime(2027, 5, 31, 23, 0, tzinfo=UTC)  # 1 June 00:00 BST
    assert not event.is_dated


@pytest.mark.parametrize("fields, expected", [
    (dict(precision="tba"), "Date to be announced"),
    (dict(precision="month", year=2027, month=5), "May 2027"),
    (dict(precision="season", year=2027, season="winter"), "Winter 2027"),
    (dict(precision="day", start_date=date(2027, 5, 20)), "Thursday 20 May 2027"),
    (dict(precision="day", start_date=date(2027, 5, 20), end_date=date(2027, 5, 21)), "20–21 May 2027"),
    (dict(precision="day", start_date=date(2027, 5, 31), end_date=date(2027, 6, 1)), "31 May – 1 June 2027"),
    (dict(precision="time", start_local=datetime(2027, 5, 20, 9, 30), end_local=datetime(2027, 5, 20, 17)),
     "Thursday 20 May 2027, 09:30–17:00 BST"),
    (dict(precision="time", start_local=datetime(2027, 1, 14, 18), timezone="America/New_York"),
     "Thursday 14 January 2027, 18:00 EST"),
])
def test_display_when_for_every_precision(appctx, fields, expected):
    event = _event(make_user(Role.AUTHOR), **fields)
    assert services.display_when(event) == expected


def test_display_where_combines_venue_city_and_online(appctx):
    author = make_user(Role.AUTHOR)
    assert services.display_where(_event(author, venue_name="Kingsgate Hall", city="Manchester")) == \
        "Kingsgate Hall, Manchester"
    assert services.display_where(_event(author, online_url="https://meet.example.org/x")) == "Online"
    assert services.display_where(_event(author, venue_name="Hall", city="Leeds",
                                         online_url="https://meet.example.org/y")) == "Hall, Leeds, and online"
    confirmed = _event(author, precision="day", start_date=date(2030, 1, 2), venue_name="Hall", city="Leeds")
    assert services.display_line(confirmed) == "Wednesday 2 January 2030, Hall, Leeds"


def test_upcoming_orders_dated_first_then_teasers_and_past_by_year(appctx):
    author = make_user(Role.AUTHOR)
    now = datetime(2027, 1, 10, 12, tzinfo=UTC)
    tba = _event(author, title="Some day", precision="tba")
    spring = _event(author, title="Spring thing", precision="season", season="spring", year=2027)
    march = _event(author, title="March thing", precision="month", year=2027, month=3)
    later = _event(author, title="Later", precision="day", start_date=date(2027, 6, 1))
    sooner = _event(author, title="Sooner", precision="time", start_local=datetime(2027, 2, 1, 10))
    past = _event(author, title="Gone", precision="day", start_date=date(2026, 11, 20))
    older = _event(author, title="Older", precision="day", start_date=date(2025, 3, 12))
    _event(author, title="Draft", precision="day", start_date=date(2027, 2, 2), publish=False)
    upcoming = services.upcoming_events(now=now)
    assert [e.title for e in upcoming] == ["Sooner", "Later", "March thing", "Spring thing", "Some day"]
    assert [e.title for e in services.upcoming_events(now=now, limit=2)] == ["Sooner", "Later"]
    past_list = services.past_events(now=now)
    assert [e.title for e in past_list] == ["Gone", "Older"]
    assert [(y, [e.title for e in es]) for y, es in services.group_by_year(past_list)] == \
        [(2026, ["Gone"]), (2025, ["Older"])]
    assert past.effective_status(now) == EventStatus.HELD
    assert tba.effective_status(now) == EventStatus.ANNOUNCED
    assert {spring, march, later, sooner, older}  # all created


def test_day_event_ends_at_local_midnight_after_its_last_day(appctx):
    event = _event(make_user(Role.AUTHOR), precision="day", start_date=date(2027, 7, 1),
                   end_date=date(2027, 7, 2), timezone="Europe/London")
    assert event.sort_at == datetime(2027, 6, 30, 23, tzinfo=UTC)
    assert event.over_at == datetime(2027, 7, 2, 23, tzinfo=UTC)
    assert services.upcoming_events(now=datetime(2027, 7, 2, 22, 59, tzinfo=UTC)) == [event]
    assert services.upcoming_events(now=datetime(2027, 7, 2, 23, 0, tzinfo=UTC)) == []


@pytest.mark.parametrize("local, zone, expected_utc", [
    # London: clocks go forward 28 March 2027 01:00 GMT, back 31 October 2027 02:00 BST.
    (datetime(2027, 3, 27, 10, 0), "Europe/London", datetime(2027, 3, 27, 10, 0)),
    (datetime(2027, 3, 28, 10, 0), "Europe/London", datetime(2027, 3, 28, 9, 0)),
    (datetime(2027, 3, 28, 1, 30), "Europe/London", datetime(2027, 3, 28, 1, 30)),  # skipped hour moves on
    (datetime(2027, 10, 31, 1, 30), "Europe/London", datetime(2027, 10, 31, 0, 30)),  # repeated: first one
    (datetime(2027, 11, 1, 10, 0), "Europe/London", datetime(2027, 11, 1, 10, 0)),
    # New York changes a week apart from Europe: 14 March and 7 November 2027.
    (datetime(2027, 3, 20, 9, 0), "America/New_York", datetime(2027, 3, 20, 13, 0)),
    (datetime(2027, 11, 10, 9, 0), "America/New_York", datetime(2027, 11, 10, 14, 0)),
    (datetime(2027, 7, 1, 9, 0), "Australia/Sydney", datetime(2027, 6, 30, 23, 0)),
])
def test_local_times_become_utc_across_daylight_saving_changes(appctx, local, zone, expected_utc):
    event = _event(make_user(Role.AUTHOR), precision="time", start_local=local, timezone=zone)
    assert event.starts_at == expected_utc.replace(tzinfo=UTC)
    db.session.expire_all()
    assert db.session.get(type(event), event.id).starts_at == expected_utc.replace(tzinfo=UTC)


def test_event_spanning_a_clock_change_keeps_both_local_times(appctx):
    event = _event(make_user(Role.AUTHOR), precision="time", start_local=datetime(2027, 10, 30, 18),
                   end_local=datetime(2027, 10, 31, 12))
    assert event.ends_at - event.starts_at == timedelta(hours=19)  # one hour longer: clocks went back
    assert services.display_when(event) == \
        "Saturday 30 October 2027, 18:00 BST – Sunday 31 October 2027, 12:00 GMT"


def test_confirming_date_and_venue_records_one_change_and_moves_sequence(appctx):
    author = make_user(Role.AUTHOR)
    event = _event(author, precision="season", season="spring", year=2027, city="London")
    sequence = event.sequence
    services.save_event(event, _input_of(event, precision="time", start_local=datetime(2027, 4, 15, 9, 30),
                                         end_local=datetime(2027, 4, 15, 17), venue_name="Hamilton House",
                                         status="confirmed"), by=author)
    db.session.commit()
    assert event.sequence == sequence + 1
    assert [c.summary for c in event.changes] == ["date confirmed, venue confirmed"]
    assert services.last_change(event).by_id == author.id
    assert services.display_line(event) == "Thursday 15 April 2027, 09:30–17:00 BST, Hamilton House, London"

    services.save_event(event, _input_of(event, precision="time", start_local=datetime(2027, 4, 15, 10),
                                         end_local=datetime(2027, 4, 15, 17)), by=author)
    services.set_status(event, EventStatus.POSTPONED, by=author)
    db.session.commit()
    assert [c.summary for c in event.changes][:2] == ["postponed", "time changed"]
    assert event.sequence == sequence + 3


def test_saving_without_changes_records_nothing(appctx):
    author = make_user(Role.AUTHOR)
    event = _event(author, precision="month", year=2027, month=5)
    sequence = event.sequence
    services.save_event(event, _input_of(event), by=author)
    assert event.sequence == sequence and event.changes == []


def test_changes_before_publication_are_not_news(appctx):
    author = make_user(Role.AUTHOR)
    event = _event(author, publish=False, precision="tba")
    services.save_event(event, _input_of(event, precision="month", year=2027, month=5), by=author)
    assert event.changes == []
    assert event.sequence == 1


def test_events_changed_since(appctx):
    author = make_user(Role.AUTHOR)
    event = _event(author, precision="tba")
    other = _event(author, precision="tba", title="Other")
    mark = datetime.now(UTC)
    assert services.events_changed_since(mark) == []
    services.save_event(event, _input_of(event, precision="month", year=2030, month=5), by=author)
    db.session.commit()
    assert services.events_changed_since(mark) == [event]
    assert other not in services.events_changed_since(mark)


def test_validation(appctx):
    author = make_user(Role.AUTHOR)
    with pytest.raises(ValidationFailed, match="time zone"):
        services.create_event(EventInput(title="X", timezone="Mars/Base"), by=author)
    with pytest.raises(ValidationFailed, match="end before"):
        services.create_event(EventInput(title="X", precision="time", start_local=datetime(2027, 1, 2, 10),
                                         end_local=datetime(2027, 1, 2, 9)), by=author)
    with pytest.raises(ValidationFailed, match="season"):
        services.create_event(EventInput(title="X", precision="season", year=2027, season="monsoon"), by=author)
    with pytest.raises(ValidationFailed, match="https"):
        services.create_event(EventInput(title="X", online_url="javascript:alert(1)"), by=author)
    with pytest.raises(ValidationFailed, match="title"):
        services.create_event(EventInput(title="  "), by=author)


def test_roles(appctx):
    contributor = make_user(Role.CONTRIBUTOR)
    author = make_user(Role.AUTHOR)
    editor = make_user(Role.EDITOR)
    draft = services.create_event(EventInput(title="Idea"), by=contributor)
    with pytest.raises(NotAllowed):
        services.publish_event(draft, by=contributor)
    with pytest.raises(NotAllowed):
        services.save_event(draft, EventInput(title="Mine now"), by=author)
    services.save_event(draft, EventInput(title="Better idea"), by=contributor)
    services.publish_event(draft, by=editor)
    assert not services.can_edit_event(draft, contributor)  # published: out of a contributor's hands
    own = _event(author)
    services.set_status(own, "cancelled", by=author)
    with pytest.raises(NotAllowed):
        services.delete_event(own, by=author)
    services.delete_event(own, by=editor)


def test_people_and_tags(appctx):
    author = make_user(Role.AUTHOR)
    event = _event(author, tag_names=["Workshops"], people=[
        PersonInput("Dr A. Okafor", "University of Northbridge", "organiser"),
        PersonInput("Prof L. Hartley", "Eastfield University", "speaker"),
        PersonInput("   ")])
    assert [p.name for p in event.organisers] == ["Dr A. Okafor"]
    assert [p.affiliation for p in event.speakers] == ["Eastfield University"]
    assert [t.slug for t in event.tags] == ["workshops"]


def test_post_links_to_its_event_and_event_to_its_writeups(appctx):
    author = make_user(Role.AUTHOR)
    event = _event(author, precision="day", start_date=date(2025, 3, 12), status="held")
    post = make_post(author, title="How it went")
    draft = make_post(author, title="Unfinished", published=False)
    assert services.event_for_post(post) is None
    services.link_post_to_event(post, event, by=author)
    services.link_post_to_event(draft, event, by=author)
    db.session.commit()
    assert services.event_for_post(post) == event
    assert services.visible_writeups(event) == [post]  # drafts stay hidden
    assert {p.id for p in event.writeups} == {post.id, draft.id}
    services.link_post_to_event(post, None, by=author)
    db.session.commit()
    assert services.event_for_post(post) is None
    other_author = make_user(Role.AUTHOR)
    with pytest.raises(NotAllowed):
        services.link_post_to_event(post, event, by=other_author)


def test_content_stamp_moves_when_an_event_starts_or_ends_without_any_write(appctx):
    from blog.site.services import content_stamp

    event = _event(make_user(Role.AUTHOR), precision="time", start_local=datetime(2030, 6, 1, 10),
                   end_local=datetime(2030, 6, 1, 12))
    before = content_stamp(datetime(2030, 6, 1, 8, tzinfo=UTC))
    during = content_stamp(datetime(2030, 6, 1, 10, tzinfo=UTC))
    after = content_stamp(datetime(2030, 6, 1, 12, tzinfo=UTC))
    assert before[1] != during[1] != after[1]
    assert after[0] == event.over_at  # Last-Modified is when it ended
    assert content_stamp(datetime(2030, 6, 2, tzinfo=UTC)) == after

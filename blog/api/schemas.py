"""Marshmallow schemas of the API: they validate input and are the source of the OpenAPI document."""
from __future__ import annotations

from flask_smorest.fields import Upload
from marshmallow import Schema as BaseSchema
from marshmallow import ValidationError, fields, pre_load, validate

from blog.core.text import has_nul
from blog.core.time import UTC
from blog.events.dates import SEASONS
from blog.events.models import EventStatus, Precision
from blog.newsletter.models import Receives


class Schema(BaseSchema):
    """Input with a NUL character anywhere is refused (422): PostgreSQL cannot store one, and no
    text a person writes contains it. Web forms strip it instead (``blog.core.text`` says why the
    API refuses: a program must learn that its data would not be stored as sent)."""

    @pre_load
    def _refuse_nul(self, data, **kwargs):
        if hasattr(data, "items"):
            bad = {key: ["A NUL character is not allowed here."] for key, value in data.items()
                   if has_nul(key) or (not hasattr(value, "read") and has_nul(value))}
            if bad:
                raise ValidationError(bad)
        return data


MAX_LIMIT = 100
CURSOR = fields.Str(validate=[validate.Length(min=1, max=200), validate.Regexp(r"^[A-Za-z0-9_-]+$")],
                    metadata={"description": "The opaque cursor of the page to fetch, from a previous page's `next`."})


def _limit():
    return fields.Int(validate=validate.Range(min=1, max=MAX_LIMIT),
                      metadata={"description": f"Items per page (1–{MAX_LIMIT}; default `API_PAGE_SIZE`, 20)."})


def _aware(description: str):
    return fields.AwareDateTime(default_timezone=UTC, metadata={"description": description})


# --- errors ------------------------------------------------------------------------------------

class ProblemSchema(Schema):
    """RFC 9457 problem details (``application/problem+json``)."""

    type = fields.Str(required=True, metadata={"description": "A URI naming the kind of problem; "
                                                              "`about:blank` when the status says it all."})
    title = fields.Str(required=True)
    status = fields.Int(required=True)
    detail = fields.Str(required=True)
    errors = fields.Dict(keys=fields.Str(), metadata={"description": "Validation errors by field name."})


# --- Content API: output -----------------------------------------------------------------------

class LinkedTagSchema(Schema):
    slug = fields.Str(required=True)
    name = fields.Str(required=True)
    url = fields.Str(required=True, metadata={"description": "The tag's page on the site."})


class TagSchema(LinkedTagSchema):
    description = fields.Str(required=True)


class LinkedAuthorSchema(Schema):
    slug = fields.Str(required=True)
    name = fields.Str(required=True)
    url = fields.Str(required=True, metadata={"description": "The person's page on the site (/people/<slug>)."})


class AuthorSchema(LinkedAuthorSchema):
    affiliation = fields.Str(required=True)
    bio = fields.Str(required=True)
    orcid = fields.Str(required=True, metadata={"description": "A bare ORCID iD, or empty."})
    ror = fields.Str(required=True, metadata={"description": "The bare ROR id of the affiliation, or empty."})


class PostSchema(Schema):
    id = fields.Int(required=True)
    uid = fields.Str(required=True, metadata={"description": "Stable identity: never changes with the slug."})
    slug = fields.Str(required=True)
    title = fields.Str(required=True)
    url = fields.Str(required=True, metadata={"description": "The post's page on the site."})
    api_url = fields.Str(required=True)
    excerpt = fields.Str(required=True)
    html = fields.Str(required=True, metadata={"description": "The body, rendered and sanitised."})
    published_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(required=True)
    reading_minutes = fields.Int(required=True)
    feature_image = fields.Str(required=True, allow_none=True)
    language = fields.Str(required=True)
    licence = fields.Str(required=True)
    doi = fields.Str(required=True)
    tags = fields.List(fields.Nested(LinkedTagSchema), required=True)
    authors = fields.List(fields.Nested(LinkedAuthorSchema), required=True)


class VenueSchema(Schema):
    name = fields.Str(required=True)
    address = fields.Str(required=True)
    city = fields.Str(required=True)


class EventSchema(Schema):
    id = fields.Int(required=True)
    uid = fields.Str(required=True)
    slug = fields.Str(required=True)
    title = fields.Str(required=True)
    url = fields.Str(required=True)
    ics_url = fields.Str(required=True)
    summary = fields.Str(required=True)
    html = fields.Str(required=True)
    status = fields.Str(required=True, validate=validate.OneOf([s.value for s in EventStatus]),
                        metadata={"description": "As readers see it: a confirmed event that is over was held."})
    precision = fields.Str(required=True, validate=validate.OneOf([p.value for p in Precision]))
    when = fields.Str(required=True, metadata={"description": "The date as the site shows it."})
    timezone = fields.Str(required=True)
    starts_at = fields.DateTime(required=True, allow_none=True)
    ends_at = fields.DateTime(required=True, allow_none=True)
    start_date = fields.Date(required=True, allow_none=True)
    end_date = fields.Date(required=True, allow_none=True)
    venue = fields.Nested(VenueSchema, required=True)
    online_url = fields.Str(required=True)
    registration_url = fields.Str(required=True)
    published_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(required=True)
    tags = fields.List(fields.Nested(LinkedTagSchema), required=True)


class PageSchema(Schema):
    next = fields.Str(required=True, allow_none=True,
                      metadata={"description": "The next page's address (also in the `Link` header), or null."})


class PostPageSchema(PageSchema):
    items = fields.List(fields.Nested(PostSchema), required=True)


class EventPageSchema(PageSchema):
    items = fields.List(fields.Nested(EventSchema), required=True)


class TagPageSchema(PageSchema):
    items = fields.List(fields.Nested(TagSchema), required=True)


class AuthorPageSchema(PageSchema):
    items = fields.List(fields.Nested(AuthorSchema), required=True)


# --- Content API: queries ----------------------------------------------------------------------

class PageQuerySchema(BaseSchema):
    """Queries take any text (a slug no row has finds nothing); only bodies refuse NUL characters."""

    limit = _limit()
    cursor = CURSOR


class PostQuerySchema(PageQuerySchema):
    tag = fields.Str(validate=validate.Length(min=1, max=120), metadata={"description": "A tag's slug."})
    author = fields.Str(validate=validate.Length(min=1, max=140), metadata={"description": "A person's slug."})
    published_after = _aware("Only posts published at or after this moment (UTC if no offset is given).")
    published_before = _aware("Only posts published before this moment.")


EVENT_LISTS = ("upcoming", "past", "announced")


class EventQuerySchema(PageQuerySchema):
    status = fields.Str(validate=validate.OneOf(EVENT_LISTS), metadata={"description": (
        "`upcoming`: not over yet, soonest first; `past`: over, latest first; `announced`: upcoming events "
        "announced but not confirmed yet (\"watch this space\"). Without it: every published event, latest first.")})
    tag = fields.Str(validate=validate.Length(min=1, max=120), metadata={"description": "A tag's slug."})


# --- Admin API ---------------------------------------------------------------------------------

class MeSchema(Schema):
    name = fields.Str(required=True)
    slug = fields.Str(required=True)
    role = fields.Str(required=True)
    token = fields.Str(required=True, metadata={"description": "The token's name."})
    scopes = fields.List(fields.Str(), required=True)


_TAGS = fields.List(fields.Str(validate=validate.Length(min=1, max=80)), validate=validate.Length(max=50),
                    metadata={"description": "Tag names; new ones are made for authors and above."})


class PostCreateSchema(Schema):
    title = fields.Str(required=True, validate=validate.Length(min=1, max=300))
    body_markdown = fields.Str(load_default="", validate=validate.Length(max=500_000))
    slug = fields.Str(validate=validate.Length(min=1, max=140))
    excerpt = fields.Str(validate=validate.Length(max=2000))
    tags = _TAGS


class PostUpdateSchema(Schema):
    version = fields.Int(required=True, validate=validate.Range(min=1, max=2_000_000_000), metadata={
        "description": "The post's `version` this edit starts from: 409 if someone saved it since."})
    title = fields.Str(validate=validate.Length(min=1, max=300))
    body_markdown = fields.Str(validate=validate.Length(max=500_000))
    slug = fields.Str(validate=validate.Length(min=1, max=140))
    excerpt = fields.Str(validate=validate.Length(max=2000))
    tags = _TAGS


class PublishSchema(Schema):
    published_at = _aware("When to publish: now if left out; a future moment schedules the post.")


class AdminPostSchema(Schema):
    id = fields.Int(required=True)
    slug = fields.Str(required=True)
    title = fields.Str(required=True)
    status = fields.Str(required=True)
    version = fields.Int(required=True)
    body_markdown = fields.Str(required=True)
    excerpt = fields.Str(required=True)
    published_at = fields.DateTime(required=True, allow_none=True)
    updated_at = fields.DateTime(required=True)
    tags = fields.List(fields.Str(), required=True)
    authors = fields.List(fields.Str(), required=True, metadata={"description": "The authors' slugs."})
    url = fields.Str(required=True, allow_none=True, metadata={"description": "Its public address once visible."})
    editor_url = fields.Str(required=True)


_URL = fields.Str(validate=validate.Length(max=500))


class EventWriteSchema(Schema):
    """Dates are local to ``timezone``; which ones count depends on ``precision`` (see the README)."""

    title = fields.Str(validate=validate.Length(min=1, max=300))
    precision = fields.Str(validate=validate.OneOf([p.value for p in Precision]))
    timezone = fields.Str(validate=validate.Length(min=1, max=64))
    summary = fields.Str(validate=validate.Length(max=5000))
    description_markdown = fields.Str(validate=validate.Length(max=200_000))
    start = fields.DateTime(metadata={"description": "precision `time`: the start in the event's time zone "
                                                     "(no offset), or with an offset (converted to that zone)."})
    end = fields.DateTime(metadata={"description": "precision `time`: the end, like `start`."})
    start_date = fields.Date(metadata={"description": "precision `day`: the (first) day."})
    end_date = fields.Date(metadata={"description": "precision `day`: the last day."})
    year = fields.Int(validate=validate.Range(min=1900, max=2999))
    month = fields.Int(validate=validate.Range(min=1, max=12))
    season = fields.Str(validate=validate.OneOf(list(SEASONS)))
    venue_name = fields.Str(validate=validate.Length(max=200))
    venue_address = fields.Str(validate=validate.Length(max=2000))
    city = fields.Str(validate=validate.Length(max=120))
    online_url = _URL
    registration_url = _URL
    registration_note = fields.Str(validate=validate.Length(max=2000))
    status = fields.Str(validate=validate.OneOf([s.value for s in EventStatus]))
    slug = fields.Str(validate=validate.Length(min=1, max=140))
    tags = _TAGS


class EventCreateSchema(EventWriteSchema):
    title = fields.Str(required=True, validate=validate.Length(min=1, max=300))


class EventUpdateSchema(EventWriteSchema):
    sequence = fields.Int(validate=validate.Range(min=0, max=2_000_000_000), metadata={
        "description": "The event's `sequence` this edit starts from: 409 if someone saved it since."})


class AdminEventSchema(Schema):
    id = fields.Int(required=True)
    slug = fields.Str(required=True)
    title = fields.Str(required=True)
    status = fields.Str(required=True)
    precision = fields.Str(required=True)
    when = fields.Str(required=True)
    sequence = fields.Int(required=True)
    published = fields.Bool(required=True)
    url = fields.Str(required=True, allow_none=True)
    editor_url = fields.Str(required=True)


class PhotoUploadSchema(Schema):
    file = Upload(required=True, metadata={"description": "The photo: JPEG, PNG, WebP, GIF, HEIC/HEIF."})
    alt_text = fields.Str(validate=validate.Length(max=1000),
                          metadata={"description": "Needed before a post showing the photo can be published."})
    caption = fields.Str(validate=validate.Length(max=2000))


class PhotoSchema(Schema):
    key = fields.Str(required=True)
    directive = fields.Str(required=True, metadata={"description": "Put this in a post's Markdown to show it."})
    url = fields.Str(required=True)
    width = fields.Int(required=True)
    height = fields.Int(required=True)
    alt_text = fields.Str(required=True)


class SubscriberCreateSchema(Schema):
    email = fields.Email(required=True, validate=validate.Length(min=3, max=320))
    name = fields.Str(validate=validate.Length(max=200))
    receives = fields.Str(validate=validate.OneOf([r.value for r in Receives]))
    tags = fields.List(fields.Str(validate=validate.Length(min=1, max=80)), validate=validate.Length(max=50))
    consent_note = fields.Str(validate=validate.Length(max=500), metadata={
        "description": "How the person asked to subscribe (\"signed up at the March workshop\"): kept in "
                       "their consent log."})


class SubscriberAcceptedSchema(Schema):
    status = fields.Str(required=True, validate=validate.OneOf(["pending"]))
    confirmation_sent = fields.Bool(required=True, metadata={
        "description": "False when a confirmation was sent to this address in the last few minutes."})
    detail = fields.Str(required=True)

from __future__ import annotations

from datetime import date, datetime

from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice
from flask_wtf.file import FileField
from wtforms import (
    BooleanField, HiddenField, IntegerField, MultipleFileField, SelectField, StringField, TextAreaField,
)
from wtforms.validators import Length, NumberRange, Optional

from blog.core.time import UTC, local_to_utc, to_local
from blog.embeds.models import PLATFORM_LABELS, Platform
from blog.embeds.services import SnapshotInput, reply_label
from blog.errors import ValidationFailed

TIME_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S")
PLATFORM_CHOICES = [SelectChoice(p.value, "Other site" if p is Platform.OTHER else PLATFORM_LABELS[p])
                    for p in Platform]


class SnapshotForm(FlaskForm):
    platform = SelectField("Platform", choices=PLATFORM_CHOICES, default=Platform.X.value)
    platform_name = StringField("Site name (for another site)", validators=[Optional(), Length(max=60)])
    display_name = StringField("Author's name", validators=[Length(max=120)])
    handle = StringField("Handle", validators=[Length(max=200)],
                         description="As shown, e.g. @netguard_lab, or user@instance.social on Mastodon.")
    text = TextAreaField("What the post said", render_kw={"rows": 5})
    posted_at = StringField("Posted at", validators=[Optional()],
                            description="In the site's time zone: 2025-03-12 14:05, "
                                        "or just the day 2025-03-12.")
    posted_label = StringField("Time as shown", validators=[Optional(), Length(max=60)],
                               description="When only a relative time is known, e.g. 19h.")
    like_count = IntegerField("Likes", validators=[Optional(), NumberRange(min=0)])
    repost_count = IntegerField("Reposts", validators=[Optional(), NumberRange(min=0)])
    reply_count = IntegerField("Replies", validators=[Optional(), NumberRange(min=0)])
    counts_read_on = StringField("Counts read on", validators=[Optional()],
                                 description="The day the counts were read (the post's own date when empty).",
                                 render_kw={"type": "date"})
    url = StringField("Address of the post", validators=[Optional(), Length(max=500)],
                      render_kw={"type": "url"}, description="Optional.")
    external_id = HiddenField()
    lang = HiddenField()
    in_reply_to = SelectField("In reply to", choices=[SelectChoice("", "(not a reply)")],
                              validate_choice=False)
    attachments = TextAreaField("Photos it carried", validators=[Optional()], render_kw={"rows": 2},
                                description="One description (alt text) per line.")
    attachment_files = MultipleFileField("Photo files", render_kw={"accept": "image/*"},
                                         description="Optional: the photos themselves, in the order of "
                                                     "the descriptions above.")
    avatar = FileField("Avatar", render_kw={"accept": "image/*"},
                       description="Optional: the author's picture (initials are shown without one).")
    remove_avatar = BooleanField("Remove the avatar")
    key = StringField("Key", validators=[Optional(), Length(max=60)],
                      description="Used in the post as [[social:key]]; made from the handle when empty.")
    base_version = HiddenField()

    def set_reply_choices(self, snapshots, zone_name: str, *, exclude_id: int | None = None) -> None:
        """The quotes this one may answer, the latest first (the post pasted just before)."""
        self.in_reply_to.choices = [SelectChoice("", "(not a reply)")] + [
            SelectChoice(s.key, reply_label(s, zone_name)) for s in snapshots if s.id != exclude_id
        ]


def parse_posted_at(text: str | None, zone_name: str) -> tuple[datetime | None, bool]:
    """``(UTC moment, date_only)`` from the form; :raise ValidationFailed: when unreadable."""
    text = (text or "").strip()
    if not text:
        return None, False
    try:
        day = date.fromisoformat(text)
        return datetime(day.year, day.month, day.day, tzinfo=UTC), True
    except ValueError:
        pass
    for fmt in TIME_FORMATS:
        try:
            return local_to_utc(datetime.strptime(text, fmt), zone_name), False
        except ValueError:
            continue
    raise ValidationFailed(f"“{text}” is not a date and time; use 2025-03-12 14:05 or 2025-03-12.",
                           field="posted_at")


def format_posted_at(moment: datetime | None, date_only: bool, zone_name: str) -> str:
    if moment is None:
        return ""
    if date_only:
        return moment.astimezone(UTC).strftime("%Y-%m-%d")
    return to_local(moment, zone_name).strftime("%Y-%m-%d %H:%M")


def input_from_form(form: SnapshotForm, zone_name: str) -> SnapshotInput:
    posted_at, date_only = parse_posted_at(form.posted_at.data, zone_name)
    read_on = (form.counts_read_on.data or "").strip()
    counts_read_at = None
    if read_on:
        try:
            day = date.fromisoformat(read_on)
        except ValueError:
            raise ValidationFailed(f"“{read_on}” is not a date; use 2025-03-13.",
                                   field="counts_read_on") from None
        counts_read_at = datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
    return SnapshotInput(
        platform=form.platform.data or Platform.OTHER.value,
        platform_name=form.platform_name.data or "",
        display_name=form.display_name.data or "",
        handle=form.handle.data or "",
        text=form.text.data or "",
        posted_at=posted_at,
        posted_date_only=date_only,
        posted_label=form.posted_label.data or "",
        like_count=form.like_count.data,
        repost_count=form.repost_count.data,
        reply_count=form.reply_count.data,
        counts_read_at=counts_read_at,
        url=form.url.data or "",
        external_id=form.external_id.data or "",
        lang=form.lang.data or "",
        in_reply_to_key=form.in_reply_to.data or "",
        attachments=[line for line in (form.attachments.data or "").splitlines() if line.strip()],
        key=form.key.data or "",
    )


def fill_form(form: SnapshotForm, post, zone_name: str) -> None:
    """Put a snapshot's values into the form (GET of the edit page)."""
    form.platform.data = post.platform
    form.platform_name.data = post.platform_name
    form.display_name.data = post.display_name
    form.handle.data = post.at_handle
    form.text.data = post.text
    form.posted_at.data = format_posted_at(post.posted_at, post.posted_date_only, zone_name)
    form.posted_label.data = post.posted_label
    form.like_count.data = post.like_count
    form.repost_count.data = post.repost_count
    form.reply_count.data = post.reply_count
    form.counts_read_on.data = post.counts_read_at.strftime("%Y-%m-%d") if post.counts_read_at else ""
    form.url.data = post.url
    form.external_id.data = post.external_id
    form.lang.data = post.lang
    form.in_reply_to.data = post.in_reply_to.key if post.in_reply_to else ""
    form.attachments.data = "\n".join(a.alt_text for a in post.attachments)
    form.key.data = post.key
    form.base_version.data = str(post.version)


def parsed_to_fields(parsed, zone_name: str) -> dict:
    """A parsed paste as values for the form's fields (the editor dialog fills itself with them)."""
    return {
        "platform": parsed.platform,
        "display_name": parsed.display_name,
        "handle": f"@{parsed.handle}" if parsed.handle else "",
        "text": parsed.text,
        "posted_at": format_posted_at(parsed.posted_at, parsed.posted_date_only, zone_name),
        "url": parsed.url,
        "external_id": parsed.external_id,
        "lang": parsed.lang,
        "attachments": "\n".join(a or "(no description)" for a in parsed.attachments),
    }

"""The organisers' forms of news posts: the post, its state, sending and attachments."""

from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import BooleanField, HiddenField, IntegerField, SelectField
from wtforms.fields import DateTimeLocalField
from wtforms.validators import DataRequired, InputRequired, Optional, Regexp

from ..forms import Form, choices, sensible_year, text_area, text_field
from ..labels import label
from .news import PostData
from .news_models import PostCategory

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
# To the second where a browser offers it (step="1"), else to the minute.
TIME_FORMATS = ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M"]
_SLUG = Regexp(
    r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$", message=_l("Use lower-case letters, digits and hyphens.")
)


def _time_field(label_text, *, required: bool) -> DateTimeLocalField:
    first = DataRequired(_l("Enter a date and time.")) if required else Optional()
    return DateTimeLocalField(label_text, format=TIME_FORMATS, validators=[first, sensible_year])


def local_input(value):
    """A stored UTC time as a form shows it: Vietnam time, without zone."""
    return value.astimezone(TZ).replace(tzinfo=None, microsecond=0) if value else None


def from_input(value):
    """A time typed in Vietnam time, as stored (aware)."""
    return value.replace(tzinfo=TZ) if value else None


class VersionedForm(Form):
    # The version of the post the form was read at: a save over a newer one is a conflict.
    version = HiddenField(validators=[InputRequired()])

    def version_number(self) -> int:
        try:
            return int(self.version.data)
        except (TypeError, ValueError):
            return 0


class PostForm(VersionedForm):
    category = SelectField(_l("Kind of post"), validators=[InputRequired()])
    title_vi = text_field(_l("Title (Vietnamese)"), required=_l("Enter the title."), max=300)
    title_en = text_field(_l("Title (English)"), max=300)
    summary_vi = text_area(_l("Summary (Vietnamese)"), required=_l("Enter a summary."), max=500)
    summary_en = text_area(_l("Summary (English)"), max=500)
    body_vi = text_area(
        _l("Text (Vietnamese, Markdown)"), required=_l("Enter the text."), max=100_000
    )
    body_en = text_area(_l("Text (English, Markdown)"), max=100_000)
    happens_at = _time_field(_l("Time of what it announces (Vietnam time)"), required=False)
    pinned = BooleanField(_l("Pin it at the top of the list"))
    cover = FileField(_l("Cover image (PNG, JPEG or WebP, at most 10 MB)"))
    remove_cover = BooleanField(_l("Remove the cover image"))
    cover_alt_vi = text_field(_l("Description of the cover image (Vietnamese)"), max=300)
    cover_alt_en = text_field(_l("Description of the cover image (English)"), max=300)
    slug = text_field(_l("Address (after /news/)"), max=80, checks=[_SLUG])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.category.choices = choices((c.value, label(c)) for c in PostCategory)

    def post_data(self) -> PostData:
        return PostData(
            category=PostCategory(self.category.data),
            title_vi=self.title_vi.data,
            title_en=self.title_en.data or "",
            summary_vi=(self.summary_vi.data or "").strip(),
            summary_en=(self.summary_en.data or "").strip(),
            body_vi=self.body_vi.data or "",
            body_en=self.body_en.data or "",
            happens_at=from_input(self.happens_at.data),
            cover_alt_vi=self.cover_alt_vi.data or "",
            cover_alt_en=self.cover_alt_en.data or "",
            pinned=bool(self.pinned.data),
        )

    def fill_from(self, post) -> None:
        for name in ("title_vi", "title_en", "summary_vi", "summary_en", "body_vi", "body_en",
                     "cover_alt_vi", "cover_alt_en", "pinned", "slug", "version"):  # fmt: skip
            getattr(self, name).data = getattr(post, name)
        self.category.data = post.category.value
        self.happens_at.data = local_input(post.happens_at)


class StateForm(VersionedForm):
    """Schedule (at `publish_at`), publish now, back to draft, archive, restore: the button."""

    publish_at = _time_field(_l("Appears on (Vietnam time)"), required=False)


class SendForm(Form):
    round = IntegerField(validators=[InputRequired()])


class AttachmentForm(Form):
    file = FileField(_l("File (PDF, image, Word or Excel, at most 10 MB)"))

"""The organisers' and news editors' pages of news posts: writing, scheduling, publishing,
archiving, attachments and sending a post to the subscribers."""

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from ..accounts.access import allow, staff_blueprint
from ..accounts.audit import both, describes, record, typed_name
from ..accounts.models import Role
from ..dbtypes import utcnow
from ..errors import refused
from ..exhibitors.logos import InvalidLogo, delete_image, image_from_form, save_image
from ..extensions import db, paginate
from ..security import allow_large_uploads
from . import news
from .news_files import COVER, MAX_FILE_BYTES, add_attachment, delete_file, remove_attachment
from .news_forms import AttachmentForm, PostForm, SendForm, StateForm, from_input, local_input
from .news_models import NewsAttachment, NewsPost, PostState
from .notifications import send_to_subscribers, subscribers
from .services import get_event

bp = staff_blueprint("news_admin", __name__, url_prefix="/admin/events/<slug>/news")

WRITERS = (Role.ORGANISER, Role.EDITOR)
# A form may carry one file of at most 10 MB (a cover or an attachment) and its text.
allow_large_uploads(
    bp, {"news_admin.new", "news_admin.edit", "news_admin.attach"}, MAX_FILE_BYTES + 1_000_000
)
AUDIT_ACTIONS = {
    "schedule": "news.scheduled",
    "publish": "news.published",
    "unpublish": "news.unpublished",
    "archive": "news.archived",
    "restore": "news.restored",
}


@describes(*AUDIT_ACTIONS.values(), "news.created", "news.changed")
def _describe_post(d: dict) -> str:
    return typed_name(d.get("title"))


@describes("news.sent", "news.sent_again")
def _describe_send(d: dict) -> str:
    return _("%(title)s · %(count)s recipients", title=typed_name(d.get("title")),
             count=d.get("recipients", 0))  # fmt: skip


def _audit(action: str, post: NewsPost, **details) -> None:
    record(
        actor=current_user,
        action=action,
        event=post.event,
        target=post,
        summary=post.slug,
        details={"title": both(post.title_vi, post.title_en), **details},
    )


def _event(slug: str):
    g.event = event = get_event(slug=slug)
    return event


def _post(event, post_id: int) -> NewsPost:
    return news.get_post(event=event, post_id=post_id)


@bp.errorhandler(RequestEntityTooLarge)
def too_large(error):
    """A body past the limit cannot be read: the page again, with the reason next to the file."""
    event = _event(request.view_args["slug"])
    post_id = request.view_args.get("post_id")
    message = _("A file may be at most 10 MB. Nothing was saved: choose a smaller file.")
    if post_id is None:
        form = PostForm(formdata=None)
        form.cover.errors = [message]
        return render_template("news/admin/form.html", event=event, form=form, post=None), 413
    post = _post(event, post_id)
    form = PostForm(formdata=None)
    form.fill_from(post)
    attachment_form = AttachmentForm(formdata=None)
    field = attachment_form.file if request.endpoint == "news_admin.attach" else form.cover
    field.errors = [message]
    return _edit_page(event, post, form, attachment_form=attachment_form, status=413)


@bp.get("/")
@allow(*WRITERS)
def index(slug: str):
    """Every post of the exhibition with its state."""
    event = _event(slug)
    page = paginate(news.all_posts(event=event), per_page=25)
    return render_template("news/admin/index.html", event=event, page=page, now=utcnow(),
                           shown_state=news.shown_state)  # fmt: skip


def _cover(form: PostForm) -> tuple[bool, bytes | None]:
    """The cover sent with the form, checked and re-encoded (None: none sent); False and an
    error next to the field when it is no fit image."""
    try:
        return True, image_from_form(form.cover, COVER)
    except InvalidLogo as error:
        form.cover.errors = [*form.cover.errors, str(error.message)]
        return False, None


def _store_cover(post: NewsPost, form: PostForm, cover: bytes | None) -> str | None:
    """Keep a new cover (or forget a removed one); returns the file no longer used."""
    if cover is None and not form.remove_cover.data:
        return None
    unused = post.cover_filename
    post.cover_filename = save_image(cover, COVER) if cover else None
    return unused


@bp.route("/new", methods=["GET", "POST"])
@allow(*WRITERS)
def new(slug: str):
    """Write a new post (a draft)."""
    event = _event(slug)
    form = PostForm()
    if request.method == "GET":
        form.version.data = "0"
    if form.validate_on_submit():
        fit, cover = _cover(form)
        if fit:
            post = news.create_post(event=event, data=form.post_data(), author_id=current_user.id)
            _store_cover(post, form, cover)
            db.session.flush()
            _audit("news.created", post)
            db.session.commit()
            flash(_("The post is saved as a draft."), "success")
            return redirect(url_for("news_admin.edit", slug=slug, post_id=post.id))
    return render_template("news/admin/form.html", event=event, form=form, post=None), (
        422 if form.is_submitted() else 200
    )


def _edit_page(event, post, form, *, attachment_form=None, conflict=None, status=200):
    sends = list(post.sends)
    changed_since_sent = bool(sends) and sends[-1].post_version != post.version
    return render_template(
        "news/admin/form.html",
        event=event,
        post=post,
        form=form,
        state_form=StateForm(formdata=None, version=post.version,
                             publish_at=local_input(post.publish_at)),
        send_form=SendForm(formdata=None),
        attachment_form=attachment_form or AttachmentForm(formdata=None),
        conflict=conflict,
        shown=news.shown_state(post),
        sends=sends,
        next_round=len(sends) + 1,
        changed_since_sent=changed_since_sent,
        audience=db.session.query(subscribers(event_id=event.id).subquery()).count(),
        actions=_actions(post),
    ), status  # fmt: skip


def _actions(post: NewsPost) -> list[str]:
    """The state buttons that apply to the post now."""
    now = utcnow()
    due = post.publish_at is not None and post.publish_at <= now
    found = []
    for action, (sources, _target) in news.ACTIONS.items():
        if post.state not in sources:
            continue
        if action == "archive" and not due:
            continue
        if action == "schedule" and post.state is PostState.SCHEDULED and due:
            continue
        found.append(action)
    return found


@bp.route("/<int:post_id>/", methods=["GET", "POST"])
@allow(*WRITERS)
def edit(slug: str, post_id: int):
    """Change a post. Saving never sends it, and a save over a version saved by someone else in
    the meantime is refused with the text kept in the form."""
    event = _event(slug)
    post = _post(event, post_id)
    form = PostForm()
    if request.method == "GET":
        form.fill_from(post)
        return _edit_page(event, post, form)
    if not form.validate_on_submit():
        return _edit_page(event, post, form, status=422)
    fit, cover = _cover(form)
    if not fit:
        return _edit_page(event, post, form, status=422)
    version = form.version_number()
    with refused(form.slug) as refusal:
        news.update_post(post=post, data=form.post_data(), version=version,
                         slug=form.slug.data or post.slug)  # fmt: skip
        unused = _store_cover(post, form, cover)
        db.session.flush()
        _audit("news.changed", post)
    if refusal:
        form.slug.errors = [e for e in form.slug.errors if e != str(refusal.error.message)]
        if isinstance(refusal.error, news.PostConflict):
            db.session.expire_all()
            post = _post(event, post_id)
            form.version.data = str(post.version)  # saving again now is a deliberate choice
            return _edit_page(event, post, form, conflict=refusal.error.message, status=409)
        form.slug.errors.append(str(refusal.error.message))
        return _edit_page(event, post, form, status=422)
    db.session.commit()
    if unused:
        delete_image(unused, COVER)
    flash(_("Saved."), "success")
    return redirect(url_for("news_admin.edit", slug=slug, post_id=post.id))


@bp.get("/<int:post_id>/preview")
@allow(*WRITERS)
def preview(slug: str, post_id: int):
    """The post as the public will see it, whatever its state."""
    event = _event(slug)
    post = _post(event, post_id)
    return render_template("news/post.html", event=event, post=post, body=news.shown_body(post),
                           preview=True, archived=post.state is PostState.ARCHIVED)  # fmt: skip


@bp.post("/<int:post_id>/state")
@allow(*WRITERS)
def state(slug: str, post_id: int):
    """Schedule, publish, take back to draft, archive or restore a post (the button pressed)."""
    event = _event(slug)
    post = _post(event, post_id)
    form = StateForm()
    action = request.form.get("action", "")
    back = redirect(url_for("news_admin.edit", slug=slug, post_id=post.id))
    if not form.validate_on_submit() or action not in news.ACTIONS:
        for errors in form.errors.values():
            for message in errors:
                flash(message, "error")
        return back
    with refused() as refusal:
        news.change_state(post=post, action=action, version=form.version_number(),
                          publish_at=from_input(form.publish_at.data))  # fmt: skip
        _audit(AUDIT_ACTIONS[action], post)
    if refusal:
        return back
    db.session.commit()
    flash(
        {
            "schedule": _("The post is scheduled."),
            "publish": _("The post is published."),
            "unpublish": _("The post is a draft again: the public no longer sees it."),
            "archive": _("The post is archived: no longer listed, its page stays."),
            "restore": _("The post is published again."),
        }[action],
        "success",
    )
    return back


@bp.post("/<int:post_id>/send")
@allow(*WRITERS)
def send(slug: str, post_id: int):
    """Queue the post to every subscriber: once; again only by the "send again" button."""
    event = _event(slug)
    post = _post(event, post_id)
    form = SendForm()
    back = redirect(url_for("news_admin.edit", slug=slug, post_id=post.id))
    if not form.validate_on_submit():
        flash(_("The form expired. Please try again."), "error")
        return back
    again = request.form.get("again") == "1"
    with refused() as refusal:
        sent = send_to_subscribers(post=post, round=form.round.data, again=again,
                                   sent_by_id=current_user.id)  # fmt: skip
        _audit("news.sent_again" if again else "news.sent", post,
               recipients=sent.recipients, round=sent.round)  # fmt: skip
    if refusal:
        return back
    db.session.commit()
    flash(_("The post is on its way to %(count)s subscribers.", count=sent.recipients), "success")
    return back


@bp.post("/<int:post_id>/attachments")
@allow(*WRITERS)
def attach(slug: str, post_id: int):
    """Add an attachment to a post."""
    event = _event(slug)
    post = _post(event, post_id)
    form = AttachmentForm()
    if form.validate_on_submit() and form.file.data:
        upload = form.file.data
        data = upload.read(MAX_FILE_BYTES + 1)
        with refused(form.file) as refusal:
            attachment = add_attachment(post=post, data=data, filename=upload.filename or "")
            record(actor=current_user, action="news.attachment_added", event=event, target=post,
                   summary=f"{post.slug} · {attachment.filename}")  # fmt: skip
        if not refusal:
            db.session.commit()
            flash(_("The file is attached."), "success")
            return redirect(url_for("news_admin.edit", slug=slug, post_id=post.id))
    elif form.is_submitted() and not form.file.data:
        form.file.errors = [_("Choose a file.")]
    post = _post(event, post_id)
    edit_form = PostForm(formdata=None)
    edit_form.fill_from(post)
    return _edit_page(event, post, edit_form, attachment_form=form, status=422)


@bp.post("/<int:post_id>/attachments/<int:attachment_id>/delete")
@allow(*WRITERS)
def detach(slug: str, post_id: int, attachment_id: int):
    """Remove an attachment from a post."""
    event = _event(slug)
    post = _post(event, post_id)
    attachment = db.session.get(NewsAttachment, attachment_id)
    if attachment is None or attachment.post_id != post.id:
        raise news.PostNotFound()
    filename = attachment.filename
    name = remove_attachment(attachment=attachment)
    record(actor=current_user, action="news.attachment_removed", event=event, target=post,
           summary=f"{post.slug} · {filename}")  # fmt: skip
    db.session.commit()
    delete_file(name)
    flash(_("The file is removed."), "success")
    return redirect(url_for("news_admin.edit", slug=slug, post_id=post.id))

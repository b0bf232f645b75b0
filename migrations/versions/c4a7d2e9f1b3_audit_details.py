"""audit entries keep their facts as data, worded in the reader's language

`audit_entries.details` (JSON): the facts of an entry as codes and numbers ({"format": "xlsx",
"rows": 73}), which the log words when it is read. Existing entries get theirs from the English
summary written so far ("XLSX · 73 rows", "Công ty A: submitted → approved", a category code);
a summary that is not one of those forms stays as the entry's text.

Revision ID: c4a7d2e9f1b3
Revises: b7d4e2a9c610
Create Date: 2026-12-06 09:00:00.000000

"""
import re

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4a7d2e9f1b3'
down_revision = 'b7d4e2a9c610'
branch_labels = None
depends_on = None

EXHIBITOR_STATUSES = {
    "submitted", "approved", "waitlisted", "rejected", "booth_assigned", "confirmed", "cancelled",
}
ROLES = {"organiser", "checkin", "exhibitors"}
CATEGORY_ACTIONS = {
    "registration.cancelled", "registration.erased", "registration.resent", "category.created",
}

entries = sa.table(
    "audit_entries",
    sa.column("id", sa.Integer),
    sa.column("event_id", sa.Integer),
    sa.column("action", sa.String),
    sa.column("summary", sa.String),
    sa.column("details", sa.JSON),
)
categories = sa.table(
    "visitor_categories",
    sa.column("event_id", sa.Integer),
    sa.column("code", sa.String),
    sa.column("name_vi", sa.String),
    sa.column("name_en", sa.String),
)


def _user(summary: str):
    email, *parts = summary.split(" · ")
    details = {"email": email, "administrator": False, "active": True, "roles": []}
    for part in parts:
        if part == "administrator":
            details["administrator"] = True
        elif part == "disabled":
            details["active"] = False
        else:
            roles = re.findall(r"(\w+) \(([^)]*)\)", part)
            if not roles or any(role not in ROLES for role, _slug in roles):
                return None
            details["roles"] = [[slug, role] for role, slug in roles]
    return details


def _details(action: str, summary: str, names: dict):
    """The details an old entry's summary stands for, or None when it is not one we wrote."""
    if action.endswith(".exported") and action != "booths.exported":
        if m := re.fullmatch(r"(CSV|XLSX) · (\d+) rows", summary):
            return {"format": m[1].lower(), "rows": int(m[2])}
    elif action in ("registrations.imported",):
        if m := re.fullmatch(r"(\d+) imported, (\d+) skipped", summary):
            return {"imported": int(m[1]), "skipped": int(m[2])}
    elif action == "personal_data.purged":
        if m := re.fullmatch(r"(\d+) people · (\d+) days after the event", summary):
            return {"people": int(m[1]), "days": int(m[2])}
    elif action == "badges.printed":
        if m := re.fullmatch(r"(\d+) badges? · (\w+)", summary):
            return {"badges": int(m[1]), "layout": m[2]}
    elif action in CATEGORY_ACTIONS:
        if summary in names:
            return {"category": names[summary]}
    elif action == "exhibitor.status":
        m = re.fullmatch(r"(.*): (\w+) → (\w+)", summary, re.S)
        if m and m[2] in EXHIBITOR_STATUSES and m[3] in EXHIBITOR_STATUSES:
            return {"company": {"vi": m[1], "en": ""}, "from": m[2], "to": m[3]}
    elif action == "booth.assigned":
        if m := re.fullmatch(r"(\S+) → (.*)", summary, re.S):
            return {"booth": m[1], "company": {"vi": m[2], "en": ""}}
    elif action == "booth.moved":
        if m := re.fullmatch(r"(\S+) → (\S+)", summary):
            return {"from": m[1], "to": m[2]}
    elif action == "booths.imported":
        if m := re.fullmatch(r"(\d+) new, (\d+) updated", summary):
            return {"created": int(m[1]), "updated": int(m[2])}
    elif action == "booths.exported":
        if m := re.fullmatch(r"(\d+) booths", summary):
            return {"booths": int(m[1])}
    elif action == "booths.allocated":
        if m := re.fullmatch(r"(\d+) exhibitors", summary):
            return {"exhibitors": int(m[1])}
    elif action == "programme.published":
        if summary == "withdrawn":
            return {"withdrawn": None}
        if m := re.fullmatch(r"(\d+) published", summary):
            return {"published": int(m[1])}
    elif action == "mail.retry_failed":
        if m := re.fullmatch(r"(\d+) message\(s\)", summary):
            return {"messages": int(m[1])}
    elif action in ("user.created", "user.changed"):
        return _user(summary)
    return None


def upgrade():
    # A plain ADD COLUMN on both backends (no batch copy of the table on SQLite).
    op.add_column(
        'audit_entries', sa.Column('details', sa.JSON(), server_default='{}', nullable=False)
    )
    bind = op.get_bind()
    names = {}
    for event_id, code, name_vi, name_en in bind.execute(
        sa.select(categories.c.event_id, categories.c.code, categories.c.name_vi, categories.c.name_en)
    ):
        names.setdefault(event_id, {})[code] = {"vi": name_vi, "en": name_en}
    rows = bind.execute(
        sa.select(entries.c.id, entries.c.event_id, entries.c.action, entries.c.summary)
    ).all()
    for entry_id, event_id, action, summary in rows:
        details = _details(action, summary or "", names.get(event_id, {}))
        if details is not None:
            bind.execute(
                entries.update().where(entries.c.id == entry_id).values(details=details)
            )


def downgrade():
    op.drop_column('audit_entries', 'details')

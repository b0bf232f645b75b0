"""Booths: the plan, halls and booths, their look-ups and edits, and the wishes a company may make."""

import re
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..errors import DomainError, NotFound
from ..events.models import Event
from ..exhibitors.models import ExhibitorStatus
from ..extensions import db
from ..text import company_short_name, fold, normalize_name, vietnamese_sort_key
from .models import Booth, BoothAssignment, BoothStatus, BoothType, Hall

# A booth code as people type it: letters, then a number ("A05", "a 5", "B-12").
_CODE_PARTS = re.compile(r"([A-Z]+)[\s.-]*0*(\d+)")


class BoothNotFound(NotFound):
    code = "booth_not_found"
    message = _l("This booth does not exist.")


class BoothTaken(DomainError):
    code = "booth_taken"
    status = 409
    message = _l("This booth has just been given to another exhibitor. Choose another booth.")


class BoothBlocked(DomainError):
    code = "booth_blocked"
    status = 409
    message = _l("This booth is blocked and cannot be assigned.")


class NotApproved(DomainError):
    code = "exhibitor_not_approved"
    status = 409
    message = _l("Only approved exhibitors can get a booth.")


def plan_lines(name: str, width_m: float, lines: int = 2) -> list[str]:
    """A company's short name in at most `lines` lines that fit its booth, cut at words (the last
    line ends with "…" when the name is longer)."""
    room = max(4, int(width_m * 3.1))
    words, result, current = company_short_name(name).split(), [], ""
    for word in words:
        candidate = f"{current} {word}".strip()
        if len(candidate) <= room:
            current = candidate
            continue
        if current:
            result.append(current)
        current = word
        if len(result) == lines:
            break
    if current and len(result) < lines:
        result.append(current)
    shown = " ".join(result)
    if len(shown) < len(" ".join(words)) or any(len(line) > room for line in result):
        last = result[-1]
        result[-1] = (last if len(last) < room else last[: room - 1].rstrip()) + "…"
    return result


def find_on_plan(*, plan: list[tuple[Hall, list[Booth]]], query: str) -> list[Booth]:
    """Booths of the plan that a visitor's search names: a booth code ("A05", "a5"), or a company
    whose name holds every word typed (accents and capitals ignored). Only companies shown to
    the public are found."""
    words = fold(query).split()[:8]
    if not words:
        return []
    everything = [booth for _hall, booths in plan for booth in booths]
    code = normalize_name(query).upper().replace(" ", "")
    parts = _CODE_PARTS.fullmatch(code)
    by_code = [
        b
        for b in everything
        if b.code == code
        or (
            parts
            and (m := _CODE_PARTS.fullmatch(b.code))
            and (m[1], int(m[2])) == (parts[1], int(parts[2]))
        )
    ]
    if by_code:
        return by_code
    found = []
    for booth in everything:
        holder = public_holder(booth)
        if holder is None:
            continue
        text = fold(f"{holder.company_name_vi} {holder.company_name_en}")
        if all(word in text for word in words):
            found.append(booth)
    return found


def public_holder(booth: Booth):
    """The exhibitor the public sees on a booth (one whose booth is assigned or confirmed)."""
    holder = booth.assignment.exhibitor if booth.assignment is not None else None
    if holder is None or holder.status not in (
        ExhibitorStatus.BOOTH_ASSIGNED,
        ExhibitorStatus.CONFIRMED,
    ):
        return None
    return holder


def halls(*, event: Event) -> list[Hall]:
    """An event's halls in display order."""
    return list(
        db.session.scalars(
            sa.select(Hall).where(Hall.event_id == event.id).order_by(Hall.position, Hall.code)
        )
    )


def booths(*, event: Event, hall_ids: set[int] | None = None) -> list[Booth]:
    """An event's booths (of some halls only, with `hall_ids`) with their assignments, by code."""
    stmt = sa.select(Booth).where(Booth.event_id == event.id)
    if hall_ids is not None:
        stmt = stmt.where(Booth.hall_id.in_(hall_ids))
    return list(
        db.session.scalars(
            stmt.options(
                sa.orm.selectinload(Booth.assignment).joinedload(BoothAssignment.exhibitor)
            ).order_by(Booth.code)
        )
    )


def plan(*, event: Event, exhibitor=None) -> list[tuple[Hall, list[Booth]]]:
    """Halls with their booths, for drawing; with `exhibitor`, only the halls holding its booths."""
    wanted = {b.hall_id for b in exhibitor.booths} if exhibitor is not None else None
    by_hall: dict[int, list[Booth]] = {}
    for booth in booths(event=event, hall_ids=wanted):
        by_hall.setdefault(booth.hall_id, []).append(booth)
    return [
        (hall, by_hall.get(hall.id, []))
        for hall in halls(event=event)
        if wanted is None or hall.id in wanted
    ]


def get_booth(*, event: Event, booth_id: int | None = None, code: str | None = None) -> Booth:
    """A booth of the event by id or code, or BoothNotFound."""
    if booth_id is not None:
        booth = db.session.get(Booth, booth_id)
    elif "\x00" in (code or ""):  # no code holds a NUL, and PostgreSQL refuses to compare one
        raise BoothNotFound()
    else:
        booth = db.session.scalar(
            sa.select(Booth).where(Booth.event_id == event.id, Booth.code == (code or "").upper())
        )
    if booth is None or booth.event_id != event.id:
        raise BoothNotFound()
    return booth


def update_booth(
    *,
    booth: Booth,
    status: BoothStatus,
    zone: str,
    sector_code: str | None,
    price_vnd: int,
    type: BoothType | None = None,
    place: tuple[float, float, float, float] | None = None,
) -> Booth:
    """Change a booth's settings; `place` is (x, y, width, depth) in metres within its hall.

    An assigned booth cannot be blocked or change type or size (it may move a little, e.g. to
    correct the drawing); a booth may not overlap another booth of its hall.
    """
    type = type or booth.type
    place = place or (booth.x_m, booth.y_m, booth.width_m, booth.depth_m)
    x, y, width, depth = place
    if booth.assignment is not None:
        if status is BoothStatus.BLOCKED:
            raise DomainError(
                _l("Free the booth before blocking it."), code="booth_assigned", status=409
            )
        if type is not booth.type or (width, depth) != (booth.width_m, booth.depth_m):
            raise DomainError(
                _l("Free the booth before changing its type or size."),
                code="booth_assigned",
                status=409,
            )
    neighbour = db.session.scalar(
        sa.select(Booth.code).where(
            Booth.hall_id == booth.hall_id,
            Booth.id != booth.id,
            Booth.x_m < x + width,
            x < Booth.x_m + Booth.width_m,
            Booth.y_m < y + depth,
            y < Booth.y_m + Booth.depth_m,
        )
    )
    if neighbour is not None:
        raise DomainError(
            _l("This place overlaps booth %(code)s.", code=neighbour),
            code="booth_overlap",
            status=409,
        )
    booth.status, booth.zone, booth.sector_code, booth.price_vnd = (
        status,
        zone,
        sector_code,
        price_vnd,
    )
    booth.type, (booth.x_m, booth.y_m, booth.width_m, booth.depth_m) = type, place
    booth.hall.width_m = max(booth.hall.width_m, x + width)
    booth.hall.depth_m = max(booth.hall.depth_m, y + depth)
    db.session.flush()
    return booth


def delete_booth(*, booth: Booth) -> None:
    """Remove a booth from the plan; an assigned booth must be freed first."""
    if booth.assignment is not None:
        raise DomainError(
            _l("Free the booth before deleting it."), code="booth_assigned", status=409
        )
    db.session.delete(booth)
    db.session.flush()


@dataclass
class HallWishes:
    hall: Hall
    zones: list[str]
    free_codes: list[str]  # booths nobody holds, not reserved or blocked


@dataclass
class WishOptions:
    """What a company may wish for in its application: a booth, a hall or a zone of the event."""

    halls: list[HallWishes]
    codes: set[str]

    @property
    def zones(self) -> list[str]:
        return sorted({z for h in self.halls for z in h.zones}, key=vietnamese_sort_key)

    @property
    def free_codes(self) -> list[str]:
        return [code for h in self.halls for code in h.free_codes]

    def resolve(self, text: str) -> tuple[str, str] | None:
        """What a typed wish names, as ("booth", code), ("hall", code) or ("zone", name); None
        if nothing. Case, accents and spacing do not matter ("a5" is A05, "nha a" is Nhà A)."""
        value = normalize_name(text)
        upper = value.upper().replace(" ", "")
        if upper in self.codes:
            return ("booth", upper)
        parts = _CODE_PARTS.fullmatch(upper)
        if parts:
            for code in self.codes:
                other = _CODE_PARTS.fullmatch(code)
                if other and (other[1], int(other[2])) == (parts[1], int(parts[2])):
                    return ("booth", code)
        key = fold(value)
        for entry in self.halls:
            hall = entry.hall
            if key in {fold(hall.code), fold(hall.name_vi), fold(hall.name_en)} - {""}:
                return ("hall", hall.code)
        for entry in self.halls:
            for zone in entry.zones:
                if fold(zone) == key:
                    return ("zone", zone)
        return None


def wish_options(*, event: Event) -> WishOptions:
    """The halls of an event with their zones and free booths, for an application's wishes."""
    rows = db.session.execute(
        sa.select(Booth.hall_id, Booth.code, Booth.zone, Booth.status, BoothAssignment.id)
        .outerjoin(BoothAssignment, BoothAssignment.booth_id == Booth.id)
        .where(Booth.event_id == event.id)
        .order_by(Booth.code)
    ).all()
    zones: dict[int, set[str]] = {}
    free: dict[int, list[str]] = {}
    for hall_id, code, zone, status, assignment_id in rows:
        if zone:
            zones.setdefault(hall_id, set()).add(zone)
        if status is BoothStatus.AVAILABLE and assignment_id is None:
            free.setdefault(hall_id, []).append(code)
    return WishOptions(
        halls=[
            HallWishes(
                hall=hall,
                zones=sorted(zones.get(hall.id, ()), key=vietnamese_sort_key),
                free_codes=free.get(hall.id, []),
            )
            for hall in halls(event=event)
        ],
        codes={code for _, code, *_ in rows},
    )

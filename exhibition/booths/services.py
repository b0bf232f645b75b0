"""Booths: look-ups, and assigning or freeing them by hand (safe under concurrency)."""

import hashlib
import re
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from ..accounts.models import User
from ..errors import DomainError, NotFound
from ..events.models import Event
from ..extensions import db
from ..text import company_short_name, fold, normalize_name, vietnamese_sort_key
from . import allocation
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
    from ..exhibitors.models import ExhibitorStatus

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


def assign_booth(*, booth: Booth, exhibitor, user: User | None = None) -> BoothAssignment:
    """Give a booth to an approved exhibitor; BoothTaken when another exhibitor holds it.

    The unique booth_id of booth_assignments decides between two organisers at the same moment.
    """
    from ..exhibitors.models import ExhibitorStatus
    from ..exhibitors.services import record_status

    if exhibitor.event_id != booth.event_id:
        raise BoothNotFound()
    db.session.refresh(exhibitor, with_for_update=True)  # not while its status is being changed
    if exhibitor.status not in (
        ExhibitorStatus.APPROVED,
        ExhibitorStatus.BOOTH_ASSIGNED,
        ExhibitorStatus.CONFIRMED,
    ):
        raise NotApproved()
    if booth.status is BoothStatus.BLOCKED:
        raise BoothBlocked()
    assignment = BoothAssignment(
        booth_id=booth.id, exhibitor_id=exhibitor.id, created_by_id=user.id if user else None
    )
    try:
        with db.session.begin_nested():
            db.session.add(assignment)
            db.session.flush()
    except IntegrityError as error:
        raise BoothTaken() from error
    db.session.refresh(exhibitor, ["assignments"])
    if exhibitor.status is ExhibitorStatus.APPROVED:
        record_status(exhibitor=exhibitor, to=ExhibitorStatus.BOOTH_ASSIGNED, user=user)
    return assignment


def free_booth(*, booth: Booth, user: User | None = None) -> None:
    """Take a booth back; an exhibitor left with no booth goes back to "approved"."""
    from ..exhibitors.models import ExhibitorStatus
    from ..exhibitors.services import record_status

    assignment = db.session.scalar(
        sa.select(BoothAssignment).where(BoothAssignment.booth_id == booth.id)
    )
    if assignment is None:
        return
    exhibitor = assignment.exhibitor
    db.session.delete(assignment)
    db.session.flush()
    db.session.refresh(exhibitor, ["assignments"])
    if not exhibitor.assignments and exhibitor.status in (
        ExhibitorStatus.BOOTH_ASSIGNED,
        ExhibitorStatus.CONFIRMED,
    ):
        record_status(exhibitor=exhibitor, to=ExhibitorStatus.APPROVED, reason="", user=user)


def move_booth(*, booth: Booth, target: Booth, user: User | None = None) -> BoothAssignment:
    """Move an exhibitor from one booth to another in one step: its status and staff stay as they are."""
    assignment = db.session.scalar(
        sa.select(BoothAssignment).where(BoothAssignment.booth_id == booth.id)
    )
    if assignment is None:
        raise DomainError(_l("This booth has no exhibitor to move."), code="booth_free", status=409)
    if target.event_id != booth.event_id:
        raise BoothNotFound()
    if target.id == booth.id:
        raise DomainError(_l("Choose another booth to move to."), code="same_booth", status=422)
    if target.status is BoothStatus.BLOCKED:
        raise BoothBlocked()
    exhibitor_id = assignment.exhibitor_id
    db.session.delete(assignment)
    db.session.flush()
    moved = BoothAssignment(
        booth_id=target.id, exhibitor_id=exhibitor_id, created_by_id=user.id if user else None
    )
    try:
        with db.session.begin_nested():
            db.session.add(moved)
            db.session.flush()
    except IntegrityError as error:
        raise BoothTaken() from error
    return moved


@dataclass
class Proposal:
    exhibitor: object  # Exhibitor
    booths: list[Booth]
    rank: int  # 1-5: the wish it meets; 6: a suitable booth that was not wished for


@dataclass
class AllocationPlan:
    proposals: list[Proposal]
    unserved: list  # exhibitors left without a booth
    greedy_objective: tuple[int, int]
    proven_optimal: bool = True

    @property
    def objective(self) -> tuple[int, int]:
        return len(self.unserved), sum(p.rank for p in self.proposals)

    @property
    def fingerprint(self) -> str:
        """Identifies this plan, so that a confirmation applies exactly what was previewed."""
        text = ";".join(
            f"{p.exhibitor.id}:{','.join(str(b.id) for b in p.booths)}" for p in self.proposals
        )
        return hashlib.sha256(text.encode()).hexdigest()[:32]


def plan_allocation(*, event: Event, time_limit: float | None = None) -> AllocationPlan:
    """The optimal allocation of free booths to approved exhibitors that have none (nothing is changed)."""
    from ..exhibitors.models import Exhibitor, ExhibitorStatus

    waiting = list(
        db.session.scalars(
            sa.select(Exhibitor)
            .where(Exhibitor.event_id == event.id, Exhibitor.status == ExhibitorStatus.APPROVED)
            .where(~Exhibitor.assignments.any())
            .options(
                sa.orm.selectinload(Exhibitor.preferences), sa.orm.selectinload(Exhibitor.sectors)
            )
            .order_by(Exhibitor.approved_at, Exhibitor.id)
        )
    )
    free = list(
        db.session.scalars(
            sa.select(Booth)
            .where(
                Booth.event_id == event.id,
                Booth.status == BoothStatus.AVAILABLE,
                ~Booth.assignment.has(),
            )
            .order_by(Booth.code)
        )
    )
    infos = [
        allocation.BoothInfo(
            id=b.id, code=b.code, hall_id=b.hall_id, x=b.x_m, y=b.y_m, width=b.width_m, depth=b.depth_m,
            type=b.type, zone=b.zone, sector=b.sector_code,
        )
        for b in free
    ]  # fmt: skip
    requests = [
        allocation.Request(
            exhibitor_id=x.id,
            order=order,
            booth_type=x.booth_type,
            count=x.booth_count,
            raw_area=x.raw_area_m2,
            sectors=frozenset(s.code for s in x.sectors),
            wishes=tuple(
                allocation.Wish(p.rank, booth_id=p.booth_id, hall_id=p.hall_id, zone=p.zone)
                for p in x.preferences
            ),
        )
        for order, x in enumerate(waiting)
    ]
    result = allocation.solve(infos, requests, time_limit=time_limit)
    by_booth = {b.id: b for b in free}
    by_exhibitor = {x.id: x for x in waiting}
    proposals = [
        Proposal(exhibitor=by_exhibitor[e], booths=[by_booth[i] for i in ids], rank=result.ranks[e])
        for e, ids in result.places.items()
    ]
    proposals.sort(key=lambda p: p.booths[0].code)
    return AllocationPlan(
        proposals=proposals,
        unserved=[by_exhibitor[e] for e in result.unserved],
        greedy_objective=allocation.greedy(infos, requests).objective,
        proven_optimal=result.proven_optimal,
    )


class PlanChanged(DomainError):
    code = "plan_changed"
    status = 409
    message = _l(
        "Booths or exhibitors changed since the preview. Review the new proposal and confirm again."
    )


def apply_allocation(
    *, event: Event, fingerprint: str | None = None, user: User | None = None
) -> AllocationPlan:
    """Assign the booths of the optimal plan; with a fingerprint, only if it is still the previewed plan."""
    plan = plan_allocation(event=event)
    if fingerprint is not None and fingerprint != plan.fingerprint:
        raise PlanChanged()
    for proposal in plan.proposals:
        for booth in proposal.booths:
            assign_booth(booth=booth, exhibitor=proposal.exhibitor, user=user)
    return plan

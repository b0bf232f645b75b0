"""Who holds which booth: assigning, freeing and moving booths, and the optimal allocation runs."""

import hashlib
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from ..accounts.models import User
from ..errors import DomainError
from ..events.models import Event
from ..exhibitors.models import Exhibitor, ExhibitorStatus
from ..exhibitors.services import record_status
from ..extensions import db
from . import allocation
from .models import Booth, BoothAssignment, BoothStatus
from .services import BoothBlocked, BoothNotFound, BoothTaken, NotApproved


def assign_booth(*, booth: Booth, exhibitor, user: User | None = None) -> BoothAssignment:
    """Give a booth to an approved exhibitor; BoothTaken when another exhibitor holds it.

    The unique booth_id of booth_assignments decides between two organisers at the same moment.
    """
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
    unserved_at_least: int = 0  # no allocation leaves fewer without a booth (from the solver)

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


def _waiting_and_free(event: Event) -> tuple[list[Exhibitor], list[Booth]]:
    """Approved exhibitors without a booth (first approved first), and the free available booths."""
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
    return waiting, free


def _solver_inputs(
    waiting: list[Exhibitor], free: list[Booth]
) -> tuple[list[allocation.BoothInfo], list[allocation.Request]]:
    """The booths and requests in the plain form the solver takes."""
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
    return infos, requests


def plan_allocation(*, event: Event, time_limit: float | None = None) -> AllocationPlan:
    """The optimal allocation of free booths to approved exhibitors that have none (nothing is changed)."""
    waiting, free = _waiting_and_free(event)
    infos, requests = _solver_inputs(waiting, free)
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
        unserved_at_least=result.unserved_at_least,
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

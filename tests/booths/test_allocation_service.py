"""Automatic allocation from the organisers' page and the CLI, on the database."""

import sqlalchemy as sa

from exhibition.booths.models import BoothAssignment
from exhibition.exhibitors.models import Exhibitor, ExhibitorStatus
from exhibition.exhibitors.services import Preference
from exhibition.extensions import db
from tests.conftest import csrf_token, login_client


def held(app):
    with app.app_context():
        return {
            a.booth.code: a.exhibitor_id for a in db.session.scalars(sa.select(BoothAssignment))
        }


def confirm_booth(app, exhibitor_id, code):
    from exhibition.booths.assignment import assign_booth
    from exhibition.booths.services import get_booth
    from exhibition.exhibitors.services import change_status

    with app.app_context():
        exhibitor = db.session.get(Exhibitor, exhibitor_id)
        assign_booth(booth=get_booth(event=exhibitor.event, code=code), exhibitor=exhibitor)
        change_status(exhibitor=exhibitor, to=ExhibitorStatus.CONFIRMED)
        db.session.commit()


def test_allocation_preview_then_confirm_assigns_and_never_moves_confirmed(
    app, client, make_event, make_floor, make_exhibitor
):
    make_event()
    make_floor(count=3)
    confirmed = make_exhibitor()
    confirm_booth(app, confirmed, "A01")
    wants_a01 = make_exhibitor(
        preferences=[Preference(1, booth_code="A01"), Preference(2, booth_code="A03")]
    )
    other = make_exhibitor(preferences=[Preference(1, booth_code="A03")])
    login_client(app, client)
    preview = client.get("/admin/events/expo-2026/allocation")
    assert preview.status_code == 200
    assert "choice 1" in preview.text and "not among the wishes" in preview.text
    assert held(app) == {"A01": confirmed}  # a preview changes nothing
    response = client.post(
        "/admin/events/expo-2026/allocation",
        data={
            "csrf_token": csrf_token(preview.text),
            "fingerprint": preview.text.split('name="fingerprint" value="')[1].split('"')[0],
        },
    )
    assert response.status_code == 302
    # wants_a01 approved first and wished A03 second; other wished A03 first: the optimum gives
    # A03 to other (rank 1) and A02 to wants_a01 (not wished, 6): 7 < 2 + 6.
    assert held(app) == {"A01": confirmed, "A03": other, "A02": wants_a01}
    with app.app_context():
        assert db.session.get(Exhibitor, other).status is ExhibitorStatus.BOOTH_ASSIGNED
        assert db.session.get(Exhibitor, confirmed).status is ExhibitorStatus.CONFIRMED


def test_allocation_confirm_refuses_a_stale_preview(
    app, client, make_event, make_floor, make_exhibitor
):
    make_event()
    make_floor(count=2)
    make_exhibitor()
    login_client(app, client)
    preview = client.get("/admin/events/expo-2026/allocation")
    make_exhibitor()  # another approval lands between preview and confirmation
    response = client.post(
        "/admin/events/expo-2026/allocation",
        data={"csrf_token": csrf_token(preview.text), "fingerprint": "stale"},
    )
    assert response.status_code == 200
    assert "changed since the preview" in response.text
    assert held(app) == {}


def test_allocate_booths_cli_dry_run_then_for_real(
    app, runner, make_event, make_floor, make_exhibitor
):
    make_event()
    make_floor(count=2)
    first = make_exhibitor(preferences=[Preference(1, booth_code="A02")])
    dry = runner.invoke(args=["allocate-booths", "--event", "expo-2026", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "A02\tchoice 1\tCông ty TNHH Thử nghiệm" in dry.output
    assert held(app) == {}
    real = runner.invoke(args=["allocate-booths", "--event", "expo-2026"])
    assert real.exit_code == 0, real.output
    assert held(app) == {"A02": first}
    missing = runner.invoke(args=["allocate-booths", "--event", "nope"])
    assert missing.exit_code == 1


def test_allocation_preview_stopped_early_says_how_many_must_wait_whatever_the_plan(
    app, client, make_event, make_floor, make_exhibitor
):
    make_event()
    make_floor(count=5)  # one row: at most two pairs of adjacent booths
    for _ in range(4):
        make_exhibitor(booth_count=2)
    app.config["ALLOCATION_TIME_LIMIT"] = 1e-9
    login_client(app, client)
    preview = client.get("/admin/events/expo-2026/allocation")
    assert preview.status_code == 200
    assert "not proven optimal" in preview.text
    assert "at least 2 exhibitors go without a booth" in preview.text
    app.config["ALLOCATION_TIME_LIMIT"] = 10
    preview = client.get("/admin/events/expo-2026/allocation")
    assert "not proven optimal" not in preview.text and "at least" not in preview.text

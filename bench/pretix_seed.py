"""Seed a migrated pretix database for bench/peer_pretix.py; run with pretix's own Python (its
virtual environment), never with the project's: `PRETIX_CONFIG_FILE=... python pretix_seed.py
SECRETS_FILE POSITIONS`.

One organizer, one event under way, one admission product, POSITIONS paid orders of one position
each (bulk_create, batches of 5,000: every position has its own ticket secret), one check-in list
of all products, and a team API token allowed everything on the organizer's events. Writes the
secrets one a line to SECRETS_FILE and prints one line `SEEDED {json}` with the organizer's slug,
the event's slug, the list id and the token.
"""

import json
import os
import sys
from datetime import timedelta
from decimal import Decimal

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pretix.settings")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.utils.crypto import get_random_string  # noqa: E402
from django.utils.timezone import now  # noqa: E402
from django_scopes import scopes_disabled  # noqa: E402
from pretix.base.models import (  # noqa: E402
    CheckinList,
    Event,
    Item,
    Order,
    OrderPosition,
    Organizer,
    SalesChannel,
    Team,
)

SECRET_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # what pretix's random generator draws from
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ3789"
BATCH = 5000


def order_code(number: int) -> str:
    """A distinct 6-character order code per number (pretix's codes are 5+ such characters)."""
    digits = []
    for _ in range(6):
        number, rest = divmod(number, len(CODE_ALPHABET))
        digits.append(CODE_ALPHABET[rest])
    return "".join(reversed(digits))


@scopes_disabled()
def seed(secrets_file: str, positions: int) -> dict:
    started = now()
    with transaction.atomic():
        organizer = Organizer.objects.create(name="Bench Expo Organizer", slug="bench")
        channel = SalesChannel.objects.filter(organizer=organizer, identifier="web").first()
        if channel is None:
            channel = organizer.sales_channels.create(identifier="web", label="Online shop")
        event = Event.objects.create(
            organizer=organizer,
            name="Supporting Industry Expo (load test)",
            slug="expo",
            date_from=started - timedelta(hours=2),
            date_to=started + timedelta(days=2),
            currency="EUR",
            live=True,
            plugins="pretix.plugins.ticketoutputpdf",
        )
        item = Item.objects.create(
            event=event, name="Visitor badge", default_price=Decimal("0.00"), admission=True
        )
        checkin_list = CheckinList.objects.create(event=event, name="Main entrance")
        checkin_list.all_products = True
        checkin_list.save()
        team = Team.objects.create(
            organizer=organizer,
            name="Bench scanners",
            all_events=True,
            all_event_permissions=True,
            all_organizer_permissions=True,
        )
        token = team.tokens.create(name="bench")

    secrets = []
    for first in range(0, positions, BATCH):
        numbers = range(first, min(first + BATCH, positions))
        with transaction.atomic():
            orders = Order.objects.bulk_create(
                [
                    Order(
                        code=order_code(n),
                        status=Order.STATUS_PAID,
                        organizer=organizer,
                        event=event,
                        email=f"visitor{n}@example.com",
                        locale="en",
                        datetime=started - timedelta(days=3),
                        expires=started + timedelta(days=10),
                        total=Decimal("0.00"),
                        comment="",
                        sales_channel=channel,
                    )
                    for n in numbers
                ]
            )
            batch = []
            for n, order in zip(numbers, orders, strict=True):
                secret = get_random_string(32, SECRET_ALPHABET)
                secrets.append(secret)
                batch.append(
                    OrderPosition(
                        order=order,
                        organizer=organizer,
                        positionid=1,
                        item=item,
                        price=Decimal("0.00"),
                        tax_rate=Decimal("0.00"),
                        tax_value=Decimal("0.00"),
                        attendee_name_cached=f"Nguyen Van Khach {n}",
                        attendee_name_parts={"_legacy": f"Nguyen Van Khach {n}"},
                        secret=secret,
                        pseudonymization_id=get_random_string(10, CODE_ALPHABET),
                    )
                )
            OrderPosition.objects.bulk_create(batch)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    with open(secrets_file, "w") as out:
        out.write("\n".join(secrets) + "\n")
    return {
        "organizer": organizer.slug,
        "event": event.slug,
        "list": checkin_list.pk,
        "token": token.token,
        "positions": len(secrets),
        "seconds": (now() - started).total_seconds(),
    }


if __name__ == "__main__":
    print("SEEDED " + json.dumps(seed(sys.argv[1], int(sys.argv[2]))), flush=True)

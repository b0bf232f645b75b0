"""Slot arithmetic: whole slots between start and end, each followed by its buffer."""

from datetime import UTC, datetime, timedelta

import pytest

from exhibition.matchmaking.slots import slot_starts

START = datetime(2026, 12, 10, 1, 30, tzinfo=UTC)  # 08:30 in Viet Nam


def starts(hours: float, slot: int, buffer: int) -> list[str]:
    found = slot_starts(
        starts_at=START,
        ends_at=START + timedelta(hours=hours),
        slot_minutes=slot,
        buffer_minutes=buffer,
    )
    return [(s + timedelta(hours=7)).strftime("%H:%M") for s in found]


def test_a_morning_of_twenty_minute_slots_with_five_minute_buffers_has_seven_slots():
    assert starts(3, 20, 5) == ["08:30", "08:55", "09:20", "09:45", "10:10", "10:35", "11:00"]


def test_a_slot_that_would_end_after_the_session_is_left_out():
    assert starts(1, 25, 11) == ["08:30"]  # 09:06 would end at 09:31
    assert starts(1, 31, 0) == ["08:30"]  # 09:01 would end at 09:32


def test_the_last_slot_may_end_exactly_at_the_end():
    assert starts(2, 60, 0) == ["08:30", "09:30"]
    assert starts(2, 55, 10) == ["08:30", "09:35"]  # 09:35 + 55 minutes = 10:30
    assert starts(1, 25, 10) == ["08:30", "09:05"]


@pytest.mark.parametrize(
    ("slot", "buffer", "expected"), [(5, 0, 36), (120, 30, 1), (15, 15, 6), (10, 5, 12)]
)
def test_slot_counts(slot, buffer, expected):
    assert len(starts(3, slot, buffer)) == expected


def test_no_slot_fits_a_session_shorter_than_one_slot():
    assert starts(0.25, 20, 5) == []

"""Slot arithmetic: a session's stretch of time cut into slots of equal length, each followed by
a buffer. 08:30–11:30 with 20-minute slots and 5-minute buffers gives 7 slots, the last at 11:00
(it ends at 11:20; one more would start at 11:25 and end after 11:30)."""

from datetime import datetime, timedelta


def slot_starts(
    *, starts_at: datetime, ends_at: datetime, slot_minutes: int, buffer_minutes: int
) -> list[datetime]:
    """The start of every slot that fits whole between `starts_at` and `ends_at`."""
    if slot_minutes <= 0 or buffer_minutes < 0:
        return []
    length = timedelta(minutes=slot_minutes)
    step = timedelta(minutes=slot_minutes + buffer_minutes)
    starts, start = [], starts_at
    while start + length <= ends_at:
        starts.append(start)
        start += step
    return starts


def slots_of(session) -> list[datetime]:
    """The slot starts of a matchmaking session (a MeetingSession or anything with its fields)."""
    return slot_starts(
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        slot_minutes=session.slot_minutes,
        buffer_minutes=session.buffer_minutes,
    )


def slot_end(session, start: datetime) -> datetime:
    return start + timedelta(minutes=session.slot_minutes)

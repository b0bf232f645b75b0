"""Column types shared by every domain."""

import enum
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import MappedColumn, mapped_column
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    return datetime.now(UTC)


def iso_utc(value: datetime | None) -> str | None:
    """An instant as JSON answers and files give it: ISO 8601 in UTC with a Z
    ("2026-12-10T02:00:00Z"); None stays None."""
    if value is None:
        return None
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


class UTCDateTime(TypeDecorator):
    """An aware UTC datetime: naive values are refused, values read back are aware (also on SQLite)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def enum_column(enum_cls: type[enum.Enum], name: str | None, *, length: int = 0) -> sa.Enum:
    """A portable enum: VARCHAR plus a named CHECK constraint, storing the members' values.
    Without a `name`, a bare VARCHAR of `length` (a column that held the values as strings)."""
    return sa.Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=name is not None,
        length=max(length, *(len(m.value) for m in enum_cls)),
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


def trigram_index(table: str, column: str) -> sa.Index:
    """A GIN trigram index (pg_trgm) on PostgreSQL, which a search by `LIKE '%word%'` uses
    instead of reading the whole table; other databases get none (migrations/env.py reads
    `info` to leave it out of their comparison with the models)."""
    return sa.Index(
        f"ix_{table}_{column}_trgm",
        column,
        postgresql_using="gin",
        postgresql_ops={column: "gin_trgm_ops"},
        info={"dialect": "postgresql"},
    ).ddl_if(dialect="postgresql")


def parent_key(table: str) -> MappedColumn:
    """The indexed id of the row of `table` this row belongs to, deleted with it."""
    return mapped_column(sa.ForeignKey(f"{table}.id", ondelete="CASCADE"), index=True)

"""trigram indexes behind the search of registrations and exhibitors (PostgreSQL)

The organisers' search of registrations (and the desk's and the entrance devices'), and of
exhibitors (organisers' list and the public directory), match every typed word anywhere in a
folded column: `search_text LIKE '%word%'`. A B-tree cannot serve a pattern with a leading `%`, so
PostgreSQL read the whole table for each search. A GIN index over the column's trigrams (the
pg_trgm extension, shipped with PostgreSQL and trusted since version 13, so the database's owner
may create it) answers such a LIKE (bench/search.py measures it). SQLite gets nothing: its LIKE
has no such index, and its exhibitions are small.

Downgrading drops the indexes and keeps the extension, which something else may use.

Revision ID: 969b17f2b517
Revises: c4a7d2e9f1b3
Create Date: 2026-12-07 09:00:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '969b17f2b517'
down_revision = 'c4a7d2e9f1b3'
branch_labels = None
depends_on = None

INDEXES = [
    ("registrations", "search_text"),
    ("exhibitors", "search_text"),
    ("exhibitors", "public_search_text"),
]


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for table, column in INDEXES:
        op.create_index(
            f"ix_{table}_{column}_trgm",
            table,
            [column],
            postgresql_using="gin",
            postgresql_ops={column: "gin_trgm_ops"},
        )


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, column in INDEXES:
        op.drop_index(f"ix_{table}_{column}_trgm", table_name=table)

"""The first corpus schema: articles, flat layer tables, runs, and the full-text index.

Revision ID: 0001
Revises:
Create Date: 2026-11-25

The tables are those of ``slant.store.schema`` as first released; later revisions change them with
``op.*`` calls, so this one may build them straight from the metadata.
"""

from alembic import op

from slant.store import schema

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    schema.metadata.create_all(bind)
    for ddl in schema.SEARCH_DDL.get(bind.dialect.name, []):
        op.execute(ddl)


def downgrade() -> None:
    bind = op.get_bind()
    for ddl in schema.SEARCH_DROP.get(bind.dialect.name, []):
        op.execute(ddl)
    schema.metadata.drop_all(bind)

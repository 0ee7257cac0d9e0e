"""Runs record their host, process id and last heartbeat, so that a run that died can be told apart
from one still going.

Revision ID: 0003_run_liveness
Revises: 0002_llm_cache
Create Date: 2026-12-06

Revision 0001 builds whatever columns the metadata holds, so a database created since these were
added has them already; only older databases get them here. Runs from before carry no host and no
pid, and are judged by their start time alone.
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_run_liveness"
down_revision = "0002_llm_cache"
branch_labels = None
depends_on = None

_COLUMNS = (
    ("host", sa.Text),
    ("pid", sa.Integer),
    ("heartbeat_at", sa.DateTime(timezone=True)),
)


def upgrade() -> None:
    have = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("runs")}
    missing = [(name, type_) for name, type_ in _COLUMNS if name not in have]
    if not missing:
        return
    with op.batch_alter_table("runs") as batch:
        for name, type_ in missing:
            batch.add_column(sa.Column(name, type_, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        for name, _ in reversed(_COLUMNS):
            batch.drop_column(name)

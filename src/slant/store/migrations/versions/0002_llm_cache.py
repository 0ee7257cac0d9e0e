"""The LLM answer cache (slant.llm): one row per (prompt version, model, input hash).

Revision ID: 0002_llm_cache
Revises: 0001
Create Date: 2026-11-25

Written out column by column (as ``slant.store.schema.llm_cache`` first shipped), so that this
revision stays what it was. Revision 0001 builds whatever tables the metadata holds, so a database
created since the table was added has it already; only older databases get it here.
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_llm_cache"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if "llm_cache" in sa.inspect(op.get_bind()).get_table_names():
        return
    op.create_table(
        "llm_cache",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("prompt", sa.String(96), nullable=False),
        sa.Column("model", sa.Text, nullable=False),
        sa.Column("input_hash", sa.String(64), nullable=False),
        sa.Column("answer", sa.Text, nullable=False),
        sa.Column("prompt_tokens", sa.Integer, nullable=False),
        sa.Column("completion_tokens", sa.Integer, nullable=False),
        sa.Column("seconds", sa.Float, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("llm_cache")

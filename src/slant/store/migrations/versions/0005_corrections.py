"""Analysts' corrections (slant.corrections): one row per correction, beside the model's output.

Revision ID: 0005_corrections
Revises: 0004_story_vectors
Create Date: 2026-12-10

Written out column by column (as ``slant.store.schema.corrections`` first shipped). Revision 0001
builds whatever tables the metadata holds, so a database created since the table was added has it
already; only older databases get it here. The unique index on (article_id, seq) is what refuses
the second of two corrections made on the same version of an article.
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_corrections"
down_revision = "0004_story_vectors"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if "corrections" in sa.inspect(op.get_bind()).get_table_names():
        return
    op.create_table(
        "corrections",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("article_id", sa.String(32), sa.ForeignKey("articles.id", ondelete="CASCADE"), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("base_version", sa.Integer, nullable=False),
        sa.Column("layer", sa.String(32), nullable=False),
        sa.Column("op", sa.String(32), nullable=False),
        sa.Column("target", sa.Text, nullable=False),
        sa.Column("before", sa.Text),
        sa.Column("after", sa.Text),
        sa.Column("note", sa.Text),
        sa.Column("author", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("model", sa.Text),
        sqlite_autoincrement=True,
    )
    op.create_index("ux_corrections_article_seq", "corrections", ["article_id", "seq"], unique=True)
    op.create_index("ix_corrections_author", "corrections", ["author"])
    op.create_index("ix_corrections_created", "corrections", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_corrections_created", "corrections")
    op.drop_index("ix_corrections_author", "corrections")
    op.drop_index("ux_corrections_article_seq", "corrections")
    op.drop_table("corrections")

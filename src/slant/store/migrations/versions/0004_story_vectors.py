"""Story vectors: each article's vector for the nearest-neighbour index, and its story group.

Revision ID: 0004_story_vectors
Revises: 0003_run_liveness
Create Date: 2026-12-06

Written out column by column (as ``slant.store.schema.story_vectors`` first shipped). Revision 0001
builds whatever tables the metadata holds, so a database created since the table was added has it
already; only older databases get it here. Articles stored before have no vector until they are
re-analysed with a pipeline that runs the ``stories`` analyser (``slant ingest --reanalyse``).
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_story_vectors"
down_revision = "0003_run_liveness"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if "story_vectors" in sa.inspect(op.get_bind()).get_table_names():
        return
    op.create_table(
        "story_vectors",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("article_id", sa.String(32), sa.ForeignKey("articles.id", ondelete="CASCADE"), nullable=False,
                  unique=True),
        sa.Column("model", sa.String(64), nullable=False),
        sa.Column("language", sa.String(16)),
        sa.Column("vector", sa.LargeBinary, nullable=False),
        sa.Column("story_group", sa.String(32)),
        sa.Column("nearest", sa.String(32)),
        sa.Column("similarity", sa.Float),
        sa.Column("relation", sa.String(16)),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_story_vectors_group", "story_vectors", ["story_group"])


def downgrade() -> None:
    op.drop_index("ix_story_vectors_group", "story_vectors")
    op.drop_table("story_vectors")

"""Alembic environment: slant runs migrations itself, on the connection the store opened.

``slant.store.migrate`` passes the connection in ``config.attributes["connection"]``; there is no
alembic.ini and no URL here, so the same revisions serve SQLite and PostgreSQL.
"""

from alembic import context

from slant.store.schema import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    # SQLite cannot ALTER most things in place; batch mode copies the table instead.
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()

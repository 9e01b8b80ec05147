"""The schema as DBML (`schema.dbml`, `make schema`), generated from the models.

Why our own and not django-dbml (1.2.0, evaluated): it drops `Meta.constraints` altogether, so the
partial unique index that *is* "one payout per worker per period", the unique claim per
generation and every CHECK constraint are missing; it types foreign keys as `big_auto`; and it
writes the connected database's vendor into the file, so SQLite and PostgreSQL runs differ.

`devtools.dbml` reads the models of our apps through `django.apps`,
the column types of the PostgreSQL backend (no connection is opened), and the PostgreSQL guards
(triggers, exclusion constraints) from the SQL of the migrations on disk. DBML has no CHECK
syntax that parsers agree on, so CHECK constraints, partial-index conditions and triggers are
notes. The output depends only on the code: no clock, no database, stable order.
"""

from devtools.dbml.guards import APP_LABELS, condition_sql, database_guards
from devtools.dbml.render import generate_dbml

__all__ = ["APP_LABELS", "condition_sql", "database_guards", "generate_dbml"]

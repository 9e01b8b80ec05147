"""What makes the database, not only Python, refuse what must never happen: PostgreSQL triggers
(used by migrations; on SQLite the services hold the same rules and the admin is read-only), and
the CHECK of the four-eyes rule the models declare.
"""

from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps
from django.db.models import F, Q

FORBID_CHANGE_FUNCTION = """
CREATE OR REPLACE FUNCTION money_forbid_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% rows are immutable: % refused (write a correcting row instead)', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END
$$ LANGUAGE plpgsql;
"""


def forbid_change_sql(table: str, *, operations: str = "UPDATE OR DELETE") -> tuple[str, str]:
    name = f"{table}_immutable"
    return (
        f"CREATE TRIGGER {name} BEFORE {operations} ON {table} FOR EACH ROW EXECUTE FUNCTION money_forbid_change();",
        f"DROP TRIGGER IF EXISTS {name} ON {table};",
    )


def _run(schema_editor: BaseDatabaseSchemaEditor, sql: str) -> None:
    if schema_editor.connection.vendor == "postgresql":
        # A plain cursor, so the '%' of RAISE's format string is not taken for a placeholder.
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(sql)


def postgres_only(forward_sql: str, reverse_sql: str) -> migrations.RunPython:
    def forward(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
        _run(schema_editor, forward_sql)

    def reverse(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
        _run(schema_editor, reverse_sql)

    return migrations.RunPython(forward, reverse, elidable=False)


def per_vendor(forward: dict[str, list[str]], reverse: dict[str, list[str]]) -> migrations.RunPython:
    """Statements per database vendor ("postgresql", "sqlite"), each executed on its own; a vendor
    not named runs nothing. For guards that both databases can hold (SQLite triggers `RAISE(ABORT)`)."""

    def run(schema_editor: BaseDatabaseSchemaEditor, statements: dict[str, list[str]]) -> None:
        with schema_editor.connection.cursor() as cursor:
            for sql in statements.get(schema_editor.connection.vendor, []):
                cursor.execute(sql)

    def forward_fn(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
        run(schema_editor, forward)

    def reverse_fn(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
        run(schema_editor, reverse)

    return migrations.RunPython(forward_fn, reverse_fn, elidable=False)


def four_eyes_check(*, maker: str, checker: str, name: str) -> models.CheckConstraint:
    """A CHECK (both databases) that the user in `checker` (who approves or confirms) is never the
    user in `maker` (who created or entered the row), whenever both are known."""
    return models.CheckConstraint(
        condition=Q(**{f"{checker}__isnull": True}) | Q(**{f"{maker}__isnull": True}) | ~Q(**{checker: F(maker)}),
        name=name,
    )

"""`manage.py export_dbml`: the schema as DBML (`schema.dbml`, `make schema`), generated from the models.

Why our own and not django-dbml (1.2.0, evaluated): it drops `Meta.constraints` altogether, so the
partial unique index that *is* "one payout per worker per period", the unique claim per
generation and every CHECK constraint are missing; it types foreign keys as `big_auto`; and it
writes the connected database's vendor into the file, so SQLite and PostgreSQL runs differ.

This command reads the models of our apps through `django.apps` (a command lives in an app; this
one sits in `settlements`, the top of the dependency graph, because it reads all three apps),
the column types of the PostgreSQL backend (no connection is opened), and the PostgreSQL guards
(triggers, exclusion constraints) from the SQL of the migrations on disk. DBML has no CHECK
syntax that parsers agree on, so CHECK constraints, partial-index conditions and triggers are
notes. The output depends only on the code: no clock, no database, stable order.
"""

import enum
import inspect
import re
from collections.abc import Iterable
from pathlib import Path

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import models
from django.db.backends.postgresql.base import DatabaseWrapper as PostgresWrapper
from django.db.migrations.loader import MigrationLoader
from django.db.models import F, Q

APP_LABELS = ("api", "ledger", "worklogs", "settlements")

HEADER = "// Generated from the Django models by `python manage.py export_dbml` (make schema). Do not edit."

PROJECT_NOTE = """WorkLog Settlement: workers record time (segments) on worklogs; money lives in immutable items;
settlement runs pay each worker once per period through remittances that claim items;
every money event posts a balanced journal entry. Money is NUMERIC(14,2) cents; exact values are
BIGINT units of 1/360000 of a currency unit. PostgreSQL-only guards (triggers, exclusion
constraints) are listed in each table's note."""

# What each trigger function of the migrations means, in words (an unknown one is named as is).
TRIGGER_FUNCTIONS = {
    "money_forbid_change": "rows are immutable: {events} refused (a correction is a new row)",
    "ledger_check_entry_balanced": "at commit, each journal entry's postings must sum to zero per currency",
    "settlements_remittance_forward_only": (
        "never deleted; amount, worker, period_end, run and currency never change; status only moves "
        "forward (PENDING -> PROCESSING|PAID|FAILED|CANCELLED, PROCESSING -> PAID|FAILED)"
    ),
    "settlements_claim_after_dead_claim": (
        "a claim at generation N+1 needs the item's claim at generation N in a FAILED or CANCELLED "
        "remittance: with unique (item, generation), an item is in at most one live remittance"
    ),
}

LOOKUP_SQL = {"exact": "=", "gt": ">", "gte": ">=", "lt": "<", "lte": "<=", "regex": "~"}

TRIGGER_RE = re.compile(
    r"CREATE\s+(?P<constraint>CONSTRAINT\s+)?TRIGGER\s+(?P<name>\w+)\s+(?P<when>BEFORE|AFTER|INSTEAD\s+OF)\s+"
    r"(?P<events>.+?)\s+ON\s+(?P<table>\w+)(?P<rest>.*?)EXECUTE\s+(?:FUNCTION|PROCEDURE)\s+(?P<function>\w+)\s*\(",
    re.IGNORECASE | re.DOTALL,
)
DROP_TRIGGER_RE = re.compile(r"DROP\s+TRIGGER\s+(?:IF\s+EXISTS\s+)?(?P<name>\w+)\s+ON\s+(?P<table>\w+)", re.I)
EXCLUDE_RE = re.compile(
    r"ALTER\s+TABLE\s+(?P<table>\w+)\s+ADD\s+CONSTRAINT\s+(?P<name>\w+)\s+(?P<body>EXCLUDE\s+.+?);",
    re.IGNORECASE | re.DOTALL,
)
DROP_CONSTRAINT_RE = re.compile(
    r"ALTER\s+TABLE\s+(?P<table>\w+)\s+DROP\s+CONSTRAINT\s+(?:IF\s+EXISTS\s+)?(?P<name>\w+)", re.I
)


def _postgres() -> PostgresWrapper:
    """A PostgreSQL backend used only for its type mapping: it never connects."""
    settings_dict = {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "dbml",
        "USER": "",
        "PASSWORD": "",
        "HOST": "",
        "PORT": "",
        "OPTIONS": {},
        "TIME_ZONE": None,
        "CONN_MAX_AGE": 0,
        "CONN_HEALTH_CHECKS": False,
        "AUTOCOMMIT": True,
        "ATOMIC_REQUESTS": False,
        "TEST": {},
    }
    return PostgresWrapper(settings_dict, alias="dbml")


def _quote(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'").replace("\n", " ") + "'"


def _block_note(text: str) -> str:
    return "'''\n" + text.replace("\\", "\\\\").replace("'''", "\\'''") + "\n'''"


# --- Conditions (Q objects) as SQL text -------------------------------------------------------


def _column_of(model: type[models.Model], name: str) -> str:
    return model._meta.get_field(name).column


def _literal(model: type[models.Model], value) -> str:
    if isinstance(value, F):
        return _column_of(model, value.name)
    if isinstance(value, enum.Enum):
        value = value.value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    if isinstance(value, list | tuple | set | frozenset):
        return "(" + ", ".join(_literal(model, v) for v in value) + ")"
    return str(value)


def _lookup_sql(model: type[models.Model], lookup: str, value) -> str:
    field_name, _, op = lookup.partition("__")
    op = op or "exact"
    column = _column_of(model, field_name)
    if op == "isnull":
        return f"{column} IS {'' if value else 'NOT '}NULL"
    if op == "in":
        return f"{column} IN {_literal(model, list(value))}"
    if op == "exact" and value is None:
        return f"{column} IS NULL"
    if op not in LOOKUP_SQL:
        return f"{column} {op} {_literal(model, value)}"
    return f"{column} {LOOKUP_SQL[op]} {_literal(model, value)}"


def condition_sql(model: type[models.Model], q: Q) -> str:
    """A Q object as readable SQL (the form the migration writes, without quoting)."""
    parts = []
    for child in q.children:
        if isinstance(child, Q):
            text = condition_sql(model, child)
            parts.append(text if child.negated or len(child.children) == 1 else f"({text})")
        else:
            parts.append(_lookup_sql(model, *child))
    text = f" {q.connector} ".join(parts)
    return f"NOT ({text})" if q.negated else text


# --- PostgreSQL guards from the migrations' SQL ----------------------------------------------


def _sql_of_operation(operation) -> list[str]:
    """The forward SQL of a RunSQL, or of a RunPython made by `core.db_guards.postgres_only`."""
    if hasattr(operation, "sql"):
        sql = operation.sql
        return [sql] if isinstance(sql, str) else [s if isinstance(s, str) else s[0] for s in sql]
    code = getattr(operation, "code", None)
    closure = getattr(code, "__closure__", None) or ()
    return [cell.cell_contents for cell in closure if isinstance(cell.cell_contents, str)]


def database_guards() -> dict[str, list[str]]:
    """{table: [note, ...]} for every trigger and exclusion constraint the migrations create."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    plan: list[tuple[str, str]] = []
    for leaf in sorted(loader.graph.leaf_nodes()):
        plan.extend(node for node in loader.graph.forwards_plan(leaf) if node not in plan)
    guards: dict[tuple[str, str], str] = {}
    for node in plan:
        if node[0] not in APP_LABELS:
            continue
        for operation in loader.graph.nodes[node].operations:
            for sql in _sql_of_operation(operation):
                for m in DROP_TRIGGER_RE.finditer(sql):
                    guards.pop((m["table"], m["name"]), None)
                for m in DROP_CONSTRAINT_RE.finditer(sql):
                    guards.pop((m["table"], m["name"]), None)
                for m in TRIGGER_RE.finditer(sql):
                    guards[(m["table"], m["name"])] = _trigger_note(m)
                for m in EXCLUDE_RE.finditer(sql):
                    body = " ".join(m["body"].split())
                    guards[(m["table"], m["name"])] = f"exclusion constraint {m['name']}: {body}"
    by_table: dict[str, list[str]] = {}
    for (table, _), note in sorted(guards.items()):
        by_table.setdefault(table, []).append(note)
    return by_table


def _trigger_note(m: re.Match) -> str:
    events = " ".join(m["events"].split()).upper()
    kind = "constraint trigger" if m["constraint"] else "trigger"
    deferred = " (deferred to commit)" if "DEFERRED" in m["rest"].upper() else ""
    meaning = TRIGGER_FUNCTIONS.get(m["function"], "runs {function}()").format(
        events=events.replace(" OR ", " and "), function=m["function"]
    )
    return f"{kind} {m['name']}, {m['when'].upper()} {events}{deferred}: {meaning}"


# --- Tables ----------------------------------------------------------------------------------


def _type_of(field: models.Field, connection) -> str:
    db_type = field.db_type(connection) or field.rel_db_type(connection)
    db_type = db_type.replace("timestamp with time zone", "timestamptz").replace("double precision", "float8")
    return db_type.replace(", ", ",")


def _default_of(field: models.Field) -> str | None:
    if not field.has_default() or callable(field.default):
        return None
    value = field.default
    if isinstance(value, enum.Enum):
        value = value.value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return _quote(value)
    return str(value)


def _column_line(field: models.Field, connection) -> str:
    settings: list[str] = []
    notes: list[str] = []
    if field.primary_key:
        settings.append("pk")
        if isinstance(field, models.AutoField):
            settings.append("increment")
    elif field.unique:
        settings.append("unique")
    settings.append("null" if field.null else "not null")
    default = _default_of(field)
    if default is not None:
        settings.append(f"default: {default}")
    if field.is_relation and (field.many_to_one or field.one_to_one):
        target = field.target_field
        arrow = "-" if field.one_to_one else ">"
        settings.append(f"ref: {arrow} {target.model._meta.db_table}.{target.column}")
        notes.append(f"on delete {field.remote_field.on_delete.__name__}")
    check = field.db_check(connection)
    if check:
        notes.append(f"CHECK {check.replace(chr(34), '')}")
    if field.choices:
        notes.append("one of " + ", ".join(str(value) for value, _ in field.flatchoices))
    if getattr(field, "auto_now_add", False):
        notes.append("set on insert")
    elif getattr(field, "auto_now", False):
        notes.append("set on every save")
    if field.help_text:
        notes.append(str(field.help_text))
    if notes:
        settings.append(f"note: {_quote('; '.join(notes))}")
    return f"  {field.column} {_type_of(field, connection)} [{', '.join(settings)}]"


def _columns(fields: Iterable[str], model) -> str:
    columns = [_column_of(model, name.lstrip("-")) for name in fields]
    return columns[0] if len(columns) == 1 else "(" + ", ".join(columns) + ")"


def _index_lines(model: type[models.Model]) -> list[str]:
    lines = []
    for field in model._meta.local_fields:
        if field.db_index and not field.unique and not field.primary_key:
            lines.append(f"    {field.column}")
    for fields in model._meta.unique_together:
        lines.append(f"    {_columns(fields, model)} [unique]")
    for index in model._meta.indexes:
        settings = [f"name: {_quote(index.name)}"]
        if index.condition is not None:
            settings.append(f"note: {_quote('partial: WHERE ' + condition_sql(model, index.condition))}")
        lines.append(f"    {_columns(index.fields, model)} [{', '.join(settings)}]")
    for constraint in model._meta.constraints:
        if isinstance(constraint, models.UniqueConstraint) and constraint.fields:
            settings = ["unique", f"name: {_quote(constraint.name)}"]
            if constraint.condition is not None:
                where = condition_sql(model, constraint.condition)
                settings.append(f"note: {_quote('partial unique index: WHERE ' + where)}")
            lines.append(f"    {_columns(constraint.fields, model)} [{', '.join(settings)}]")
    return lines


def _docstring(model: type[models.Model]) -> str:
    doc = model.__doc__ or ""
    # Django writes "Name(field, ...)" for a model without a docstring: not worth a note.
    if doc.startswith(f"{model.__name__}("):
        return ""
    doc = inspect.cleandoc(doc)
    if "module docstring" in doc:
        doc += "\n\n" + (inspect.getdoc(inspect.getmodule(model)) or "")
    return doc


def _table_note(model: type[models.Model], guards: list[str]) -> str:
    sections = []
    doc = _docstring(model)
    if doc:
        sections.append(doc)
    constraints = []
    for constraint in model._meta.constraints:
        if isinstance(constraint, models.CheckConstraint):
            constraints.append(f"- CHECK {constraint.name}: {condition_sql(model, constraint.condition)}")
        elif isinstance(constraint, models.UniqueConstraint) and not constraint.fields:
            constraints.append(f"- UNIQUE {constraint.name}: {constraint.expressions}")
    if constraints:
        sections.append("Constraints:\n" + "\n".join(constraints))
    if guards:
        sections.append("PostgreSQL guards (migrations):\n" + "\n".join(f"- {g}" for g in guards))
    return "\n\n".join(sections)


def _table(model: type[models.Model], connection, guards: list[str]) -> str:
    lines = [f"Table {model._meta.db_table} {{"]
    lines += [_column_line(field, connection) for field in model._meta.local_fields]
    indexes = _index_lines(model)
    if indexes:
        lines += ["", "  indexes {", *indexes, "  }"]
    note = _table_note(model, guards)
    if note:
        lines += ["", f"  Note: {_block_note(note)}"]
    lines.append("}")
    return "\n".join(lines)


def _stub_table(model: type[models.Model], connection) -> str:
    """A table outside our apps that ours refer to: only its key."""
    pk = model._meta.pk
    return "\n".join(
        [
            f"Table {model._meta.db_table} {{",
            _column_line(pk, connection),
            "",
            f"  Note: {_quote(f'{model._meta.label} (Django); only the key our tables refer to is shown.')}",
            "}",
        ]
    )


def our_models() -> list[type[models.Model]]:
    return [
        model
        for label in APP_LABELS
        for model in apps.get_app_config(label).get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy
    ]


def generate_dbml() -> str:
    connection = _postgres()
    guards = database_guards()
    ours = our_models()
    outside = sorted(
        {
            field.related_model
            for model in ours
            for field in model._meta.local_fields
            if field.is_relation and field.related_model not in ours
        },
        key=lambda m: m._meta.db_table,
    )
    project = f"Project worklog_settlement {{\n  database_type: 'PostgreSQL'\n  Note: {_block_note(PROJECT_NOTE)}\n}}"
    blocks = [HEADER, project]
    blocks += [_table(model, connection, guards.get(model._meta.db_table, [])) for model in ours]
    blocks += [_stub_table(model, connection) for model in outside]
    for label in APP_LABELS:
        tables = [m._meta.db_table for m in ours if m._meta.app_label == label]
        module_doc = inspect.getdoc(apps.get_app_config(label).models_module) or ""
        note = f"  Note: {_block_note(module_doc)}\n" if module_doc else ""
        blocks.append(f"TableGroup {label} {{\n" + "".join(f"  {t}\n" for t in tables) + note + "}")
    return "\n\n".join(blocks) + "\n"


class Command(BaseCommand):
    help = "Write the schema of the ledger, worklogs and settlements apps as DBML (make schema)."

    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--output", help="Write to this file instead of standard output.")

    def handle(self, *args, **options):
        text = generate_dbml()
        if options["output"]:
            Path(options["output"]).write_text(text, encoding="utf-8")
            self.stderr.write(f"export_dbml: wrote {options['output']}")
        else:
            self.stdout.write(text, ending="")

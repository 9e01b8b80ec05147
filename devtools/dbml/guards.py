"""The PostgreSQL guards of the schema, in words: CHECK and partial-index conditions as SQL, and the
triggers and exclusion constraints read from the SQL of the migrations on disk."""

import enum
import re

from django.db import models
from django.db.migrations.loader import MigrationLoader
from django.db.models import F, Q

# The apps whose tables make the schema (the framework's own tables are referenced, not drawn).
APP_LABELS = ("api", "audit", "ledger", "worklogs", "settlements")

# What each trigger function of the migrations means, in words (an unknown one is named as is).
TRIGGER_FUNCTIONS = {
    "money_forbid_change": "rows are immutable: {events} refused (a correction is a new row)",
    "ledger_check_entry_balanced": "at commit, each journal entry's postings must sum to zero per currency",
    "settlements_remittance_forward_only": (
        "never deleted; amount, worker, period_end, run and currency never change; status only moves "
        "forward (PENDING -> PROCESSING|PAID|FAILED|CANCELLED, PROCESSING -> PAID|FAILED, PAID -> RETURNED)"
    ),
    "settlements_claim_after_dead_claim": (
        "a claim at generation N+1 needs the item's claim at generation N in a FAILED, CANCELLED or "
        "RETURNED remittance: with unique (item, generation), an item is in at most one live remittance"
    ),
    "settlements_submission_needs_approval": (
        "no payout submission for a remittance whose run awaits four-eyes approval (also on SQLite)"
    ),
    "settlements_run_decision_once": (
        "approval_required never changes; an approval or a rejection, once written, never changes (also on SQLite)"
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


def quote(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'").replace("\n", " ") + "'"


def column_of(model: type[models.Model], name: str) -> str:
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field)  # constraints name concrete fields, never a relation's other side
    return field.column


def _literal(model: type[models.Model], value) -> str:
    if isinstance(value, F):
        return column_of(model, value.name)
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
    column = column_of(model, field_name)
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
            assert isinstance(child, tuple)  # a (lookup, value) pair
            parts.append(_lookup_sql(model, *child))
    text = f" {q.connector} ".join(parts)
    return f"NOT ({text})" if q.negated else text


# --- PostgreSQL guards from the migrations' SQL ----------------------------------------------


def _sql_of_operation(operation) -> list[str]:
    """The forward SQL of a RunSQL, or of a RunPython made by `core.db_guards.postgres_only` or
    `core.db_guards.per_vendor` (its PostgreSQL statements)."""
    if hasattr(operation, "sql"):
        sql = operation.sql
        return [sql] if isinstance(sql, str) else [s if isinstance(s, str) else s[0] for s in sql]
    code = getattr(operation, "code", None)
    closure = getattr(code, "__closure__", None) or ()
    statements = []
    for cell in closure:
        if isinstance(cell.cell_contents, str):
            statements.append(cell.cell_contents)
        elif isinstance(cell.cell_contents, dict):
            statements += [s for s in cell.cell_contents.get("postgresql", []) if isinstance(s, str)]
    return statements


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

"""The DBML text: one table per model of our apps, grouped by app, with the guards as notes."""

import enum
import inspect
from collections.abc import Iterable
from typing import Any, cast

from django.apps import apps
from django.db import models
from django.db.backends.postgresql.base import DatabaseWrapper as PostgresWrapper

from devtools.dbml.guards import APP_LABELS, column_of, condition_sql, database_guards, quote

HEADER = "// Generated from the Django models by `python manage.py export_dbml` (make schema). Do not edit."

PROJECT_NOTE = """WorkLog Settlement: workers record time (segments) on worklogs; money lives in immutable items;
settlement runs pay each worker once per period through remittances that claim items;
every money event posts a balanced journal entry. Money is NUMERIC(14,2) cents; exact values are
BIGINT units of 1/360000 of a currency unit. PostgreSQL-only guards (triggers, exclusion
constraints) are listed in each table's note."""


def _postgres() -> PostgresWrapper:
    """A PostgreSQL backend used only for its type mapping: it never connects."""
    settings_dict: dict[str, Any] = {
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


def _block_note(text: str) -> str:
    return "'''\n" + text.replace("\\", "\\\\").replace("'''", "\\'''") + "\n'''"


# --- Conditions (Q objects) as SQL text -------------------------------------------------------


def _type_of(field: models.Field, connection) -> str:
    # django-stubs omit Field.rel_db_type, which every Django field has (django/db/models/fields/__init__.py).
    db_type = field.db_type(connection) or field.rel_db_type(connection)  # type: ignore[attr-defined]
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
        return quote(value)
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
        assert isinstance(field, models.ForeignObject)  # a ForeignKey or OneToOneField
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
        settings.append(f"note: {quote('; '.join(notes))}")
    return f"  {field.column} {_type_of(field, connection)} [{', '.join(settings)}]"


def _columns(fields: Iterable[str], model) -> str:
    columns = [column_of(model, name.lstrip("-")) for name in fields]
    return columns[0] if len(columns) == 1 else "(" + ", ".join(columns) + ")"


def _index_lines(model: type[models.Model]) -> list[str]:
    lines = []
    for field in model._meta.local_fields:
        # django-stubs omit Field.db_index, an attribute of every Django field (Field.__init__ sets it).
        if field.db_index and not field.unique and not field.primary_key:  # type: ignore[attr-defined]
            lines.append(f"    {field.column}")
    for fields in model._meta.unique_together:
        lines.append(f"    {_columns(fields, model)} [unique]")
    for index in model._meta.indexes:
        settings = [f"name: {quote(index.name)}"]
        if index.condition is not None:
            settings.append(f"note: {quote('partial: WHERE ' + condition_sql(model, index.condition))}")
        lines.append(f"    {_columns(index.fields, model)} [{', '.join(settings)}]")
    for constraint in model._meta.constraints:
        if isinstance(constraint, models.UniqueConstraint) and constraint.fields:
            settings = ["unique", f"name: {quote(constraint.name)}"]
            if constraint.condition is not None:
                where = condition_sql(model, constraint.condition)
                settings.append(f"note: {quote('partial unique index: WHERE ' + where)}")
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
            assert isinstance(constraint.condition, models.Q)  # our checks are Q objects, not expressions
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
            f"  Note: {quote(f'{model._meta.label} (Django); only the key our tables refer to is shown.')}",
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
            cast("type[models.Model]", field.related_model)  # a class once the apps are loaded
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

"""The customer's deliverables, `schema.dbml` and `sample-responses.json`, are generated and kept true.

Each is regenerated here and compared with the committed file, so CI fails as soon as a model or a
response changes without `make schema` / `make samples`. The DBML must also parse (pydbml) and show
the constraints that carry the money rules; the samples must show the contract's shapes.
"""

import io
import json
import os
import re
import subprocess
import sys
import warnings
from decimal import Decimal
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.db.models import F, Q

from devtools.dbml import APP_LABELS, condition_sql
from settlements.models import Remittance
from worklogs.models import Item, Segment, WorkLog

ROOT = Path(settings.BASE_DIR)
SCHEMA = ROOT / "schema.dbml"
SAMPLES = ROOT / "sample-responses.json"
MONEY = re.compile(r"^-?\d+\.\d{2}$")
MONEY_KEYS = {"amount", "remittedAmount", "unremittedAmount", "hourlyRate"}


def _stale(name: str, target: str, committed: str, fresh: str) -> str:
    committed_lines, fresh_lines = committed.splitlines(), fresh.splitlines()
    first = next(
        (i for i, (a, b) in enumerate(zip(committed_lines, fresh_lines, strict=False)) if a != b),
        min(len(committed_lines), len(fresh_lines)),
    )
    return (
        f"{name} is stale: run `make {target}` and commit it. First difference at line {first + 1}:\n"
        f"  committed: {committed_lines[first] if first < len(committed_lines) else '<end of file>'}\n"
        f"  generated: {fresh_lines[first] if first < len(fresh_lines) else '<end of file>'}"
    )


def _export_samples(database_url: str | None) -> str:
    """Run `make samples`'s command in its own process (it makes and drops its own database)."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "DJANGO_DEBUG": "1"}
    env.pop("DATABASE_URL", None)
    if database_url:
        env["DATABASE_URL"] = database_url
    result = subprocess.run(
        [sys.executable, "manage.py", "export_samples"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, f"export_samples failed:\n{result.stderr[-4000:]}"
    return result.stdout


@pytest.fixture(scope="module")
def dbml():
    """schema.dbml as parsed by pydbml (whose use of pyparsing's old names warns, so quieted)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from pydbml import PyDBML

        return PyDBML(SCHEMA.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def samples() -> dict:
    return json.loads(SAMPLES.read_text(encoding="utf-8"))


def _table(dbml, model):
    (table,) = [t for t in dbml.tables if t.name == model._meta.db_table]
    return table


def _index(table, name: str):
    (index,) = [i for i in table.indexes if i.name == name]
    return index


def _exchanges(samples: dict, method: str, path: str) -> list[dict]:
    return [e for e in samples["exchanges"] if e["request"]["method"] == method and e["request"]["path"] == path]


# --- schema.dbml ------------------------------------------------------------------------------


def test_schema_dbml_is_what_make_schema_generates():
    out = io.StringIO()
    call_command("export_dbml", stdout=out)
    committed = SCHEMA.read_text(encoding="utf-8")
    assert out.getvalue() == committed, _stale("schema.dbml", "schema", committed, out.getvalue())


def test_schema_dbml_has_a_table_and_the_foreign_keys_of_every_model(dbml):
    tables = {t.name for t in dbml.tables}
    for label in APP_LABELS:
        for model in apps.get_app_config(label).get_models():
            assert model._meta.db_table in tables, f"{model._meta.label} missing from schema.dbml"
    refs = {(r.col1[0].table.name, r.col1[0].name, r.col2[0].table.name) for r in dbml.refs}
    assert ("settlements_claim", "item_id", "worklogs_item") in refs
    assert ("settlements_claim", "remittance_id", "settlements_remittance") in refs
    assert ("worklogs_item", "reverses_id", "worklogs_item") in refs
    assert ("ledger_posting", "entry_id", "ledger_journalentry") in refs


def test_schema_dbml_shows_the_partial_unique_index_of_one_payout_per_worker_and_period(dbml):
    index = _index(_table(dbml, Remittance), "remittance_one_live_per_worker_period")
    assert index.unique
    assert [c.name for c in index.subjects] == ["worker_id", "period_end"]
    assert "WHERE status IN ('PENDING', 'PROCESSING', 'PAID')" in index.note.text


def test_schema_dbml_shows_the_unique_indexes_that_carry_money_rules(dbml):
    claim = _index(_table(dbml, apps.get_model("settlements", "Claim")), "claim_one_per_item_generation")
    assert claim.unique and [c.name for c in claim.subjects] == ["item_id", "generation"]
    worklog = _index(_table(dbml, WorkLog), "worklog_one_per_worker_task")
    assert worklog.unique and [c.name for c in worklog.subjects] == ["worker_id", "task_id"]
    external = _index(_table(dbml, Segment), "segment_external_id_unique_per_worklog")
    assert external.unique and "WHERE external_id IS NOT NULL" in external.note.text


def test_schema_dbml_notes_the_check_constraints_and_postgres_guards(dbml):
    items = _table(dbml, Item).note.text
    assert "CHECK item_kind_shape" in items
    assert "worklogs_item_immutable" in items and "UPDATE and DELETE refused" in items
    postings = _table(dbml, apps.get_model("ledger", "Posting")).note.text
    assert "ledger_posting_balanced" in postings and "deferred to commit" in postings
    remittances = _table(dbml, Remittance).note.text
    assert "CHECK remittance_amount_positive: amount > 0" in remittances
    assert "settlements_remittance_forward_only" in remittances
    assert "segment_no_overlap_per_worker" in _table(dbml, Segment).note.text


def test_dbml_conditions_render_as_sql():
    assert condition_sql(Remittance, Q(status__in=["PAID", "FAILED"])) == "status IN ('PAID', 'FAILED')"
    assert condition_sql(Segment, Q(ended_at__gt=F("started_at"))) == "ended_at > started_at"
    assert condition_sql(Item, ~Q(amount=0) & Q(segment__isnull=True)) == "NOT (amount = 0) AND segment_id IS NULL"
    assert condition_sql(Item, Q(kind="A", amount__lte=1) | Q(reverses=None)) == (
        "(amount <= 1 AND kind = 'A') OR reverses_id IS NULL"
    )


@pytest.mark.postgres  # the triggers and exclusion constraints exist on PostgreSQL only
@pytest.mark.django_db
def test_schema_dbml_names_every_trigger_and_exclusion_constraint_of_the_database():
    tables = [m._meta.db_table for label in APP_LABELS for m in apps.get_app_config(label).get_models()]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE NOT t.tgisinternal AND c.relname = ANY(%s) "
            "UNION SELECT conname FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid "
            "WHERE k.contype = 'x' AND c.relname = ANY(%s)",
            [tables, tables],
        )
        guards = sorted(row[0] for row in cursor.fetchall())
    assert "ledger_posting_balanced" in guards  # the query does find them
    text = SCHEMA.read_text(encoding="utf-8")
    assert [g for g in guards if g not in text] == []


# --- sample-responses.json --------------------------------------------------------------------


def test_sample_responses_are_what_make_samples_generates():
    fresh = _export_samples(database_url=None)
    committed = SAMPLES.read_text(encoding="utf-8")
    assert fresh == committed, _stale("sample-responses.json", "samples", committed, fresh)


@pytest.mark.postgres
def test_sample_responses_are_the_same_when_recorded_on_postgresql():
    fresh = _export_samples(database_url=os.environ["DATABASE_URL"])
    assert fresh == SAMPLES.read_text(encoding="utf-8")


def test_sample_responses_record_both_endpoints_with_their_statuses(samples):
    runs = _exchanges(samples, "POST", "/generate-remittances-for-all-users")
    assert len(runs) >= 1 and all(e["response"]["status"] == 201 for e in runs)
    assert any(e["request"]["body"] == {} for e in runs), "a call with the default period end"
    for query in ("", "?remittanceStatus=REMITTED", "?remittanceStatus=UNREMITTED"):
        (listing,) = _exchanges(samples, "GET", f"/list-all-worklogs{query}")
        assert listing["response"]["status"] == 200
        assert {"next", "previous", "results"} <= set(listing["response"]["body"])
    assert samples["story"], "the story the responses come from"


def test_sample_responses_money_is_two_decimal_strings_and_adds_up(samples):
    seen = 0

    def walk(node):
        nonlocal seen
        if isinstance(node, dict):
            for key, value in node.items():
                if key in MONEY_KEYS or key == "totals":
                    values = value.values() if key == "totals" else [value]
                    for money in values:
                        assert isinstance(money, str) and MONEY.match(money), f"{key}: {money!r}"
                        seen += 1
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(samples["exchanges"])
    assert seen > 20
    for run in _exchanges(samples, "POST", "/generate-remittances-for-all-users"):
        body = run["response"]["body"]
        assert body["remittanceCount"] == len(body["remittances"])
        assert Decimal(body["totals"]["USD"]) == sum(Decimal(r["amount"]) for r in body["remittances"])
        for remittance in body["remittances"]:
            assert Decimal(remittance["amount"]) == sum(Decimal(w["amount"]) for w in remittance["worklogs"])
    (listing,) = _exchanges(samples, "GET", "/list-all-worklogs")
    for worklog in listing["response"]["body"]["results"]:
        amount, remitted = Decimal(worklog["amount"]), Decimal(worklog["remittedAmount"])
        assert Decimal(worklog["unremittedAmount"]) == amount - remitted


def test_sample_responses_show_remitted_and_unremitted_worklogs_split_by_the_filter(samples):
    def results(query):
        (exchange,) = _exchanges(samples, "GET", f"/list-all-worklogs{query}")
        return exchange["response"]["body"]["results"]

    everything = results("")
    remitted, unremitted = results("?remittanceStatus=REMITTED"), results("?remittanceStatus=UNREMITTED")
    assert remitted and unremitted
    assert {w["remittanceStatus"] for w in remitted} == {"REMITTED"}
    assert {w["remittanceStatus"] for w in unremitted} == {"UNREMITTED"}
    assert sorted(w["id"] for w in remitted + unremitted) == [w["id"] for w in everything]


def test_sample_responses_leak_no_token():
    text = SAMPLES.read_text(encoding="utf-8")
    assert not re.search(r"\b[0-9a-f]{40}\b", text), "a 40-hex token key"

"""Partial indexes for the settlement chunk and the worklog list (docs/PERFORMANCE.md).

Raw SQL that both SQLite and PostgreSQL accept, outside the model state on purpose: they are
planner aids with conditions, not constraints, and keeping them here keeps the models readable.
- segments held by a dispute, per worker: the settlement's "held" anti-join reads only these;
- reversals with an effectiveDate, per worker: the "reversal not yet due" anti-join likewise;
- worklogs by id within each remittance status: the list's first and last pages (keyset) read
  100 index entries whatever the filter, instead of walking the primary key past non-matches.
"""

from django.db import migrations

INDEXES = {
    "segment_disputed_by_worker": "worklogs_segment (worker_id) WHERE status = 'DISPUTED'",
    "item_dated_reversal_by_worker": (
        "worklogs_item (worker_id, reverses_id) WHERE reverses_id IS NOT NULL AND effective_date IS NOT NULL"
    ),
    "worklog_remitted_id": "worklogs_worklog (id) WHERE item_count > 0 AND paid_item_count = item_count",
    "worklog_unremitted_id": "worklogs_worklog (id) WHERE item_count = 0 OR paid_item_count <> item_count",
}


class Migration(migrations.Migration):
    dependencies = [("worklogs", "0002_postgres_guards")]

    operations = [
        migrations.RunSQL(f"CREATE INDEX IF NOT EXISTS {name} ON {definition};", f"DROP INDEX IF EXISTS {name};")
        for name, definition in INDEXES.items()
    ]

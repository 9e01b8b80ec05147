from django.db import migrations

from core.db_guards import forbid_change_sql, postgres_only

# Segments of one worker that are ACTIVE or DISPUTED never overlap: the service checks under the
# worker lock, and PostgreSQL refuses it too (an exclusion constraint over the time range).
NO_OVERLAP = """
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE worklogs_segment ADD CONSTRAINT segment_no_overlap_per_worker
    EXCLUDE USING gist (worker_id WITH =, tstzrange(started_at, ended_at, '[)') WITH &&)
    WHERE (status IN ('ACTIVE', 'DISPUTED'));
"""


class Migration(migrations.Migration):
    dependencies = [("worklogs", "0001_initial"), ("ledger", "0002_postgres_guards")]

    operations = [
        postgres_only(*forbid_change_sql("worklogs_item")),
        postgres_only(*forbid_change_sql("worklogs_adjustment")),
        postgres_only(
            NO_OVERLAP, "ALTER TABLE worklogs_segment DROP CONSTRAINT IF EXISTS segment_no_overlap_per_worker;"
        ),
    ]

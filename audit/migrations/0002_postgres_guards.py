from django.db import migrations

from core.db_guards import forbid_change_sql, postgres_only


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial"), ("ledger", "0002_postgres_guards")]

    # The trail is append-only (money_forbid_change is created by ledger/migrations/0002).
    operations = [postgres_only(*forbid_change_sql("audit_auditevent"))]

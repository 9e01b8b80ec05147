# IdempotencyKey now belongs to the api app (api/migrations/0001), which keeps this table.
# State only: the table and its rows stay.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("ledger", "0002_postgres_guards"), ("api", "0001_initial")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="IdempotencyKey")],
            database_operations=[],
        ),
    ]

"""Runs outlive their process: a lease on the run, the run's plan in chunk rows, exact progress,
and the Idempotency-Key of the generate request kept with its run (unique per user).

Progress miscounted by earlier versions (concurrent resumes could count a worker several times) is
clamped before the CHECK `workers_done <= workers_total` is added; the next execution of such a run
recomputes it from its chunk rows anyway.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def clamp_progress(apps, schema_editor):
    SettlementRun = apps.get_model("settlements", "SettlementRun")
    SettlementRun.objects.filter(workers_done__gt=models.F("workers_total")).update(
        workers_done=models.F("workers_total")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("settlements", "0007_claim_after_dead_claim_only"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="SettlementRunChunk",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("seq", models.PositiveIntegerField()),
                ("worker_ids", models.JSONField()),
                ("workers", models.PositiveIntegerField()),
                ("done_at", models.DateTimeField(blank=True, null=True)),
                ("done_by", models.UUIDField(blank=True, null=True)),
            ],
        ),
        migrations.AddField(
            model_name="settlementrun",
            name="idempotency_key",
            field=models.CharField(blank=True, max_length=255, null=True),
        ),
        migrations.AddField(
            model_name="settlementrun",
            name="lease_expires_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="settlementrun",
            name="lease_owner",
            field=models.UUIDField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="settlementrun",
            name="request_hash",
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AddConstraint(
            model_name="settlementrun",
            constraint=models.UniqueConstraint(
                condition=models.Q(("idempotency_key__isnull", False)),
                fields=("created_by", "idempotency_key"),
                name="run_one_per_user_idempotency_key",
            ),
        ),
        migrations.AddConstraint(
            model_name="settlementrun",
            constraint=models.CheckConstraint(
                condition=models.Q(("idempotency_key__isnull", True), ("created_by__isnull", False), _connector="OR"),
                name="run_idempotency_key_has_user",
            ),
        ),
        migrations.RunPython(clamp_progress, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="settlementrun",
            constraint=models.CheckConstraint(
                condition=models.Q(("workers_done__lte", models.F("workers_total"))), name="run_progress_within_total"
            ),
        ),
        migrations.AddField(
            model_name="settlementrunchunk",
            name="run",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="chunks", to="settlements.settlementrun"
            ),
        ),
        migrations.AddConstraint(
            model_name="settlementrunchunk",
            constraint=models.UniqueConstraint(fields=("run", "seq"), name="run_chunk_unique_seq"),
        ),
    ]

"""Four-eyes approval of settlement runs, and the RETURNED remittance status (issue 15).

Runs that exist already were created without approval (their payouts were sent when they ran), so
they get `approval_required` False; new runs take the setting (the model's default is True).
The triggers that make the database enforce both are in 0011.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("settlements", "0009_settlementrun_started_at"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="settlementrun",
            name="approval_required",
            field=models.BooleanField(default=False),
        ),
        migrations.AlterField(
            model_name="settlementrun",
            name="approval_required",
            field=models.BooleanField(default=True),
        ),
        migrations.AddField(
            model_name="settlementrun",
            name="approved_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="settlementrun",
            name="approved_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="settlementrun",
            name="rejected_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="settlementrun",
            name="rejected_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="settlementrun",
            name="rejection_reason",
            field=models.TextField(blank=True),
        ),
        migrations.AlterField(
            model_name="remittance",
            name="status",
            field=models.CharField(
                choices=[
                    ("PENDING", "Pending"),
                    ("PROCESSING", "Processing"),
                    ("PAID", "Paid"),
                    ("FAILED", "Failed"),
                    ("CANCELLED", "Cancelled"),
                    ("RETURNED", "Returned"),
                ],
                default="PENDING",
                max_length=10,
            ),
        ),
        migrations.AddConstraint(
            model_name="settlementrun",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("approved_by__isnull", True),
                    ("created_by__isnull", True),
                    models.Q(("approved_by", models.F("created_by")), _negated=True),
                    _connector="OR",
                ),
                name="run_approver_not_creator",
            ),
        ),
        migrations.AddConstraint(
            model_name="settlementrun",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("approved_at__isnull", True), ("approved_by__isnull", True)),
                    models.Q(
                        ("approval_required", True), ("approved_at__isnull", False), ("approved_by__isnull", False)
                    ),
                    _connector="OR",
                ),
                name="run_approval_complete",
            ),
        ),
        migrations.AddConstraint(
            model_name="settlementrun",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("rejected_at__isnull", True), ("rejected_by__isnull", True)),
                    models.Q(
                        ("approval_required", True), ("rejected_at__isnull", False), ("rejected_by__isnull", False)
                    ),
                    _connector="OR",
                ),
                name="run_rejection_complete",
            ),
        ),
        migrations.AddConstraint(
            model_name="settlementrun",
            constraint=models.CheckConstraint(
                condition=models.Q(("approved_at__isnull", True), ("rejected_at__isnull", True), _connector="OR"),
                name="run_approved_or_rejected",
            ),
        ),
    ]

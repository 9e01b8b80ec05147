"""Give the `finance` group exactly what finance staff do in the admin, and nothing to delete.

Django creates permissions in a post_migrate signal, i.e. after *every* migration of a fresh
`migrate` has run, so they do not exist yet when this runs on a new database. The content types and
permissions are therefore fetched or created here, with the same codenames and names Django gives
them; the signal later finds them and creates no duplicates. This works on a fresh database, an
existing one, and a test database alike, without depending on signal order.
"""

from django.db import migrations

# (app label, model, actions). No `delete_*`: money rows are never deleted, in the admin or elsewhere.
FINANCE_PERMISSIONS = [
    ("auth", "user", ["view"]),  # to link a worker to its login
    ("worklogs", "worker", ["view", "add", "change"]),
    ("worklogs", "task", ["view", "add", "change"]),
    ("worklogs", "worklog", ["view", "add", "change"]),  # change = the hourly rate, through the service
    ("worklogs", "segment", ["view", "change"]),  # change = dispute, resolve, remove, correct
    ("worklogs", "adjustment", ["view", "add"]),
    ("worklogs", "item", ["view"]),
    ("settlements", "settlementrun", ["view", "add"]),  # add = start a run
    ("settlements", "remittance", ["view", "change"]),  # change = cancel, mark failed, mark paid
    ("settlements", "remittanceevent", ["view"]),
    ("settlements", "payoutsubmission", ["view"]),  # the payout outbox
    ("settlements", "processorevent", ["view"]),  # the provider's signed events
    ("ledger", "account", ["view"]),
    ("ledger", "journalentry", ["view"]),
    ("ledger", "posting", ["view"]),
]


def _permissions(apps):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    for app_label, model_name, actions in FINANCE_PERMISSIONS:
        verbose_name = apps.get_model(app_label, model_name)._meta.verbose_name
        content_type, _ = ContentType.objects.get_or_create(app_label=app_label, model=model_name)
        for action in actions:
            permission, _ = Permission.objects.get_or_create(
                content_type=content_type,
                codename=f"{action}_{model_name}",
                defaults={"name": f"Can {action} {verbose_name}"},
            )
            yield permission


def grant(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    group, _ = Group.objects.get_or_create(name="finance")
    group.permissions.add(*_permissions(apps))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    group = Group.objects.filter(name="finance").first()
    if group is not None:
        group.permissions.remove(*_permissions(apps))


class Migration(migrations.Migration):
    # After 0005, which was written in parallel and also follows 0003: one leaf, whatever the numbers.
    dependencies = [
        ("settlements", "0005_payout_outbox_and_processor_events"),
        ("worklogs", "0002_postgres_guards"),
        ("ledger", "0002_postgres_guards"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(grant, revoke)]

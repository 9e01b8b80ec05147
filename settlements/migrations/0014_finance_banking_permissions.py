"""The `finance` group's admin permissions on bank details, SEPA files and bank reports (as 0004).

Add a payout destination (a change is a new row) and view everything; add a bank report = upload
one. Nothing is changed or deleted here: confirmation is an action through the service.
"""

from django.db import migrations

FINANCE_PERMISSIONS = [
    ("settlements", "payoutdestination", ["view", "add"]),
    ("settlements", "sepafile", ["view"]),
    ("settlements", "sepafileentry", ["view"]),
    ("settlements", "bankreport", ["view", "add"]),
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
    dependencies = [
        ("settlements", "0013_bank_guards"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(grant, revoke)]

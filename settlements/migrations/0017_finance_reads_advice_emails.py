"""Finance staff read, in the admin, the advice e-mails (`settlements.view_adviceemail`) and the
scheduler's slots (`ops.view_jobrun`, for the last nightly audit), both linked from the dashboard.
(The second is granted here so that `ops` keeps one migration: a permission row needs only its
content type, not the model's table.)

As in 0004: the permissions may not exist yet on a fresh database, so they are fetched or created
here with Django's codenames."""

from django.db import migrations

VIEWED = [("settlements", "adviceemail", "advice email"), ("ops", "jobrun", "job run")]


def _permissions(apps):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    for app_label, model, verbose_name in VIEWED:
        content_type, _ = ContentType.objects.get_or_create(app_label=app_label, model=model)
        permission, _ = Permission.objects.get_or_create(
            content_type=content_type, codename=f"view_{model}", defaults={"name": f"Can view {verbose_name}"}
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
        ("settlements", "0016_advice_email"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(grant, revoke)]

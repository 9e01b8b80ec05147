"""Finance staff read the advice e-mails in the admin (`view_adviceemail`), linked from the dashboard.

As in 0004: the permission may not exist yet on a fresh database, so it is fetched or created here
with Django's codename."""

from django.db import migrations


def _permission(apps):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    content_type, _ = ContentType.objects.get_or_create(app_label="settlements", model="adviceemail")
    permission, _ = Permission.objects.get_or_create(
        content_type=content_type, codename="view_adviceemail", defaults={"name": "Can view advice email"}
    )
    return permission


def grant(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    group, _ = Group.objects.get_or_create(name="finance")
    group.permissions.add(_permission(apps))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    group = Group.objects.filter(name="finance").first()
    if group is not None:
        group.permissions.remove(_permission(apps))


class Migration(migrations.Migration):
    dependencies = [
        ("settlements", "0010_advice_email"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(grant, revoke)]

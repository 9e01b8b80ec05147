# The `integration` group (machine clients: tokens that never expire until revoked, their own
# request budget), and the end of DRF's plaintext token table.
#
# API tokens moved to django-rest-knox, which stores only a digest of each key. DRF's
# `rest_framework.authtoken` left INSTALLED_APPS; its table `authtoken_token` held every key in
# plaintext (a copy of it was a set of working credentials), so it is dropped here rather than left
# behind. Its old keys stopped working with the switch: clients get a new token from
# POST /api/auth/token/. Its rows in django_migrations stay, harmless.

from django.db import migrations

INTEGRATION_GROUP = "integration"


def create_integration_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.get_or_create(name=INTEGRATION_GROUP)


class Migration(migrations.Migration):
    dependencies = [
        ("api", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("knox", "0009_extend_authtoken_field"),
    ]

    operations = [
        migrations.RunPython(create_integration_group, migrations.RunPython.noop),
        migrations.RunSQL("DROP TABLE IF EXISTS authtoken_token", migrations.RunSQL.noop),
    ]

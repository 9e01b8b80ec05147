from django.db import migrations


def create_finance_group(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.get_or_create(name="finance")


class Migration(migrations.Migration):
    dependencies = [("settlements", "0002_postgres_guards"), ("auth", "0012_alter_user_first_name_max_length")]

    operations = [migrations.RunPython(create_finance_group, migrations.RunPython.noop)]

"""The groups the data migrations create (finance, integration) and their permissions.

A transactional test's database is flushed after it, and the flush takes the groups with it (Django
re-creates content types and permissions, not data). The browser tests, which need the finance
group's permissions through a live server, put them back from what the freshly migrated database
held, instead of restoring a serialized copy of the whole database (which collides with the content
types a previous flush re-created when another transactional test ran before them).
"""

from django.contrib.auth.models import Group, Permission
from django.db.models import Q

Roles = dict[str, list[tuple[str, str]]]

MIGRATED_ROLES: Roles = {}


def read_roles() -> Roles:
    """{group name: sorted (app label, codename) of its permissions}."""
    return {
        group.name: sorted(group.permissions.values_list("content_type__app_label", "codename"))
        for group in Group.objects.prefetch_related(None).order_by("name")
    }


def restore_roles(roles: Roles) -> None:
    """Every group of `roles` with exactly its permissions (found by natural key)."""
    for name, permissions in roles.items():
        group, _ = Group.objects.get_or_create(name=name)
        wanted = Q(pk__in=[])
        for app_label, codename in permissions:
            wanted |= Q(content_type__app_label=app_label, codename=codename)
        found = list(Permission.objects.filter(wanted))
        assert len(found) == len(permissions), (name, len(found), len(permissions))
        group.permissions.set(found)

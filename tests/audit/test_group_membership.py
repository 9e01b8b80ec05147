"""Group membership (who is finance, who holds non-expiring integration tokens) is recorded wherever it
changes: through the user's groups or the group's users, one event per membership, actor null outside
the admin (the admin's path, with its actor, is in tests/backoffice/test_admin_audit.py)."""

import pytest
from django.contrib.auth.models import Group

from api.permissions import FINANCE_GROUP, INTEGRATION_GROUP
from audit.models import AuditEvent
from audit.users import acting_as
from tests.support.factories import UserFactory

pytestmark = pytest.mark.django_db


def _memberships() -> list[tuple]:
    return [
        (e.actor_username or None, e.action, e.object_type, e.object_id, e.changes)
        for e in AuditEvent.objects.filter(object_type="user").order_by("pk")
    ]


@pytest.fixture
def groups() -> tuple[Group, Group]:
    return Group.objects.get(name=FINANCE_GROUP), Group.objects.get(name=INTEGRATION_GROUP)


def test_adding_and_removing_through_the_users_groups_is_recorded_as_the_systems(groups):
    finance, integration = groups
    user = UserFactory()
    user.groups.add(finance, integration)
    user.groups.add(finance)  # already a member: nothing changes, nothing is recorded
    user.groups.remove(integration)
    user.groups.remove(integration)  # no longer a member: nothing is recorded
    uid = str(user.pk)
    assert _memberships() == [
        (None, "user.group_added", "user", uid, {"group": [None, "finance"]}),
        (None, "user.group_added", "user", uid, {"group": [None, "integration"]}),
        (None, "user.group_removed", "user", uid, {"group": ["integration", None]}),
    ]


def test_set_and_clear_record_each_membership_that_changed(groups):
    finance, integration = groups
    user = UserFactory()
    user.groups.set([finance])
    user.groups.set([integration])
    user.groups.clear()
    uid = str(user.pk)
    assert [(action, changes) for _, action, _, object_id, changes in _memberships() if object_id == uid] == [
        ("user.group_added", {"group": [None, "finance"]}),
        ("user.group_removed", {"group": ["finance", None]}),
        ("user.group_added", {"group": [None, "integration"]}),
        ("user.group_removed", {"group": ["integration", None]}),
    ]


def test_changes_through_the_groups_users_are_recorded_per_user(groups):
    finance, _ = groups
    ann, bob = UserFactory(username="ann"), UserFactory(username="bob")
    finance.user_set.add(ann, bob)
    finance.user_set.remove(bob)
    finance.user_set.clear()
    assert [(action, object_id, changes) for _, action, _, object_id, changes in _memberships()] == [
        ("user.group_added", str(ann.pk), {"group": [None, "finance"]}),
        ("user.group_added", str(bob.pk), {"group": [None, "finance"]}),
        ("user.group_removed", str(bob.pk), {"group": ["finance", None]}),
        ("user.group_removed", str(ann.pk), {"group": ["finance", None]}),
    ]


def test_a_change_made_as_someone_names_them(groups):
    finance, _ = groups
    boss, user = UserFactory(username="boss"), UserFactory()
    with acting_as(boss):
        user.groups.add(finance)
    user.groups.remove(finance)  # outside the block: the system again
    assert [(actor, action) for actor, action, *_ in _memberships()] == [
        ("boss", "user.group_added"),
        (None, "user.group_removed"),
    ]

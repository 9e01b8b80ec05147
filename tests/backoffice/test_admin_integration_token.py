"""Finance issues an integration its API token in the admin: shown once, never expiring, recorded."""

import pytest
from django.contrib.auth.models import Group, Permission
from knox.models import AuthToken
from rest_framework.test import APIClient

from tests.backoffice.admin_helpers import changelist_action, events, login, messages_of
from tests.support.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def tracker():
    user = UserFactory(username="tracker")
    user.groups.add(Group.objects.get(name="integration"))
    return user


def test_finance_issues_an_integration_a_token_shown_once(finance, finance_user, tracker):
    response = changelist_action(finance, "auth_user", "issue_integration_token", [tracker.pk])
    assert response.status_code == 200
    key = response.context["key"]
    assert key in response.content.decode()
    assert "no-cache" in response["Cache-Control"] and "no-store" in response["Cache-Control"]
    token = AuthToken.objects.get(user=tracker)
    assert token.expiry is None  # until revoked
    assert token.digest != key and key not in str(token.digest)  # only a digest is kept
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/api/workers/").status_code == 200
    assert client.get("/api/remittances/").status_code == 403
    assert events(tracker, "user")[-1] == (finance_user.username, "user.token_issued", {"tokens": [0, 1]})


def test_rotating_is_issuing_a_new_token_then_revoking_the_old(finance, tracker):
    first = changelist_action(finance, "auth_user", "issue_integration_token", [tracker.pk]).context["key"]
    second = changelist_action(finance, "auth_user", "issue_integration_token", [tracker.pk]).context["key"]
    assert first != second and AuthToken.objects.filter(user=tracker).count() == 2
    old, new = APIClient(), APIClient()
    old.credentials(HTTP_AUTHORIZATION=f"Token {first}")
    new.credentials(HTTP_AUTHORIZATION=f"Token {second}")
    assert old.post("/api/auth/logout/").status_code == 204  # the client revokes the old one itself
    assert old.get("/api/workers/").status_code == 401
    assert new.get("/api/workers/").status_code == 200


def test_a_person_gets_no_token_from_the_admin(finance):
    clerk = UserFactory(username="clerk")
    response = changelist_action(finance, "auth_user", "issue_integration_token", [clerk.pk])
    assert "'clerk' is not in the group 'integration'; people log in for a token." in messages_of(response)
    assert not AuthToken.objects.filter(user=clerk).exists()
    assert events(clerk, "user") == []


def test_one_integration_at_a_time(finance, tracker):
    other = UserFactory()
    other.groups.add(Group.objects.get(name="integration"))
    response = changelist_action(finance, "auth_user", "issue_integration_token", [tracker.pk, other.pk])
    assert "Select exactly one integration user." in messages_of(response)
    assert not AuthToken.objects.exists()


def test_staff_outside_finance_may_not_issue_tokens(tracker):
    staff = UserFactory(is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_user"))
    changelist_action(login(staff), "auth_user", "issue_integration_token", [tracker.pk])
    assert not AuthToken.objects.filter(user=tracker).exists()

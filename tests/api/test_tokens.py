"""API tokens (django-rest-knox): digests only, expiring, revocable, many per user (issue 14)."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from api.permissions import INTEGRATION_GROUP
from tests.support.factories import FinanceUserFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "pass-1234"  # tests/factories.py


def obtain(user, client=None) -> dict:
    client = client or APIClient()
    response = client.post("/api/auth/token/", {"username": user.username, "password": PASSWORD}, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def with_token(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_the_token_table_holds_no_usable_token(finance_user):
    key = obtain(finance_user)["token"]
    assert with_token(key).get("/api/workers/").status_code == 200

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {AuthToken._meta.db_table}")
        rows = cursor.fetchall()
    assert len(rows) == 1
    stored = [str(value) for value in rows[0]]
    assert not any(key in value for value in stored)
    # Neither the digest nor the stored prefix nor any other column opens the API.
    for value in stored:
        assert with_token(value).get("/api/workers/").status_code == 401


def test_a_person_s_token_expires_after_the_configured_hours_and_is_then_refused(settings, finance_user):
    settings.API_TOKEN_TTL_HOURS = 3
    issued = obtain(finance_user)
    token = AuthToken.objects.get()
    assert timedelta(hours=3) - timedelta(minutes=1) < token.expiry - timezone.now() <= timedelta(hours=3)
    assert issued["expiry"] is not None
    client = with_token(issued["token"])
    assert client.get("/api/workers/").status_code == 200

    AuthToken.objects.update(expiry=timezone.now() - timedelta(seconds=1))
    response = client.get("/api/workers/")
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid token."}


def test_an_integration_s_token_never_expires_until_revoked(api):
    robot = UserFactory(username="payroll-sync")
    robot.groups.add(Group.objects.get(name=INTEGRATION_GROUP))  # made by api's data migration
    issued = obtain(robot)
    assert issued["expiry"] is None
    assert AuthToken.objects.get(user=robot).expiry is None

    assert api.post(f"/api/users/{robot.pk}/revoke-tokens/").json() == {"userId": robot.pk, "revoked": 1}
    assert with_token(issued["token"]).get("/api/workers/").status_code == 401


def test_logout_revokes_only_the_token_it_is_called_with(finance_user):
    laptop, script = obtain(finance_user)["token"], obtain(finance_user)["token"]
    assert laptop != script and AuthToken.objects.filter(user=finance_user).count() == 2

    assert with_token(laptop).post("/api/auth/logout/").status_code == 204

    assert with_token(laptop).get("/api/workers/").status_code == 401
    assert with_token(script).get("/api/workers/").status_code == 200
    assert with_token(laptop).post("/api/auth/logout/").status_code == 401


def test_finance_revokes_every_token_of_a_user(api, make_client):
    clerk = FinanceUserFactory()
    keys = [obtain(clerk)["token"] for _ in range(3)]
    bystander = make_client(UserFactory())

    assert bystander.post(f"/api/users/{clerk.pk}/revoke-tokens/").status_code == 403
    assert api.post("/api/users/999999/revoke-tokens/").status_code == 404
    response = api.post(f"/api/users/{clerk.pk}/revoke-tokens/")

    assert response.status_code == 200
    assert response.json() == {"userId": clerk.pk, "revoked": 3}
    assert [with_token(key).get("/api/workers/").status_code for key in keys] == [401, 401, 401]
    assert api.get("/api/workers/").status_code == 200  # finance's own token is untouched


def test_the_admin_revokes_the_tokens_of_the_selected_users(finance_user):
    victims = [UserFactory(), UserFactory()]
    keys = [obtain(user)["token"] for user in victims]
    admin = Client()
    admin.force_login(UserFactory(is_staff=True, is_superuser=True))

    response = admin.post(
        "/admin/auth/user/",
        {"action": "revoke_api_tokens", "_selected_action": [user.pk for user in victims]},
        follow=True,
    )

    assert response.status_code == 200
    assert "2 API token(s) revoked for 2 user(s)." in response.content.decode()
    assert [with_token(key).get("/api/workers/").status_code for key in keys] == [401, 401]


def test_expired_tokens_are_cleaned_up_when_the_user_gets_a_new_one(finance_user):
    obtain(finance_user)
    AuthToken.objects.update(expiry=timezone.now() - timedelta(minutes=1))
    fresh = obtain(finance_user)["token"]
    assert AuthToken.objects.filter(user=finance_user).count() == 1
    assert with_token(fresh).get("/api/workers/").status_code == 200


def test_an_inactive_user_s_token_is_refused(finance_user):
    key = obtain(finance_user)["token"]
    finance_user.is_active = False
    finance_user.save()
    assert with_token(key).get("/api/workers/").status_code == 401


@pytest.mark.parametrize("header", ["Token", "Token a b", "Token \xff\xfe", "Token " + "f" * 64])
def test_malformed_or_unknown_tokens_are_401(anon_client, header):
    anon_client.credentials(HTTP_AUTHORIZATION=header)
    assert anon_client.get("/api/workers/").status_code == 401

"""Root fixtures: API clients for each kind of user of API.md."""

import pytest
from rest_framework.test import APIClient

from api.tokens import token_issue
from tests.support.factories import FinanceUserFactory, UserFactory


def _client_for(user) -> APIClient:
    client = APIClient()
    _, key = token_issue(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    client.user = user
    return client


@pytest.fixture
def anon_client() -> APIClient:
    return APIClient()


@pytest.fixture
def finance_user(db):
    return FinanceUserFactory()


@pytest.fixture
def api(finance_user) -> APIClient:
    """A finance-staff client (member of the `finance` group)."""
    return _client_for(finance_user)


@pytest.fixture
def make_client(db):
    """make_client(user) -> an APIClient authenticated by token as that user."""
    return _client_for


@pytest.fixture
def plain_user(db):
    return UserFactory()

"""`seed_demo` makes a superuser: refused with debug off unless forced, and no fixed password."""

from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db


def seed(**options) -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out, **options)
    return out.getvalue()


def test_refused_with_debug_off_unless_forced(settings):
    assert settings.DEBUG is False
    with pytest.raises(CommandError, match="refused with DJANGO_DEBUG off"):
        seed()
    assert not User.objects.exists()
    assert "Demo data created." in seed(force=True)


def test_runs_with_debug_on(settings):
    settings.DEBUG = True
    assert "Demo data created." in seed()


def test_without_a_given_password_each_database_gets_its_own_and_keeps_it(monkeypatch):
    monkeypatch.delenv("DEMO_FINANCE_PASSWORD", raising=False)
    monkeypatch.delenv("DEMO_WORKER_PASSWORD", raising=False)
    first = seed(force=True)
    password = first.split("password: ", 1)[1].split()[0]
    assert len(password) >= 16
    user = User.objects.get(username="finance")
    assert user.check_password(password)

    second = seed(force=True)
    assert "password: (unchanged: set DEMO_FINANCE_PASSWORD to reset it)" in second
    user.refresh_from_db()
    assert user.check_password(password)

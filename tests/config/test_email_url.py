"""EMAIL_URL (config/email.py): each accepted shape, and one line naming the variable for a bad one."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.email import CONSOLE_BACKEND, SMTP_BACKEND, email_settings_from_url


def test_smtp_with_starttls_login_and_port():
    assert email_settings_from_url("smtp://mailer:s%40cret@mail.example.com:587?tls=1") == {
        "EMAIL_BACKEND": SMTP_BACKEND,
        "EMAIL_HOST": "mail.example.com",
        "EMAIL_PORT": 587,
        "EMAIL_HOST_USER": "mailer",
        "EMAIL_HOST_PASSWORD": "s@cret",
        "EMAIL_USE_TLS": True,
        "EMAIL_USE_SSL": False,
        "EMAIL_TIMEOUT": 10,
    }


def test_smtps_defaults_to_port_465_and_a_relay_needs_no_login():
    smtps = email_settings_from_url("smtps://u:p@mail.example.com?timeout=30")
    assert (smtps["EMAIL_PORT"], smtps["EMAIL_USE_SSL"], smtps["EMAIL_USE_TLS"], smtps["EMAIL_TIMEOUT"]) == (
        465,
        True,
        False,
        30,
    )
    relay = email_settings_from_url("smtp://relay.internal")
    assert (relay["EMAIL_PORT"], relay["EMAIL_HOST_USER"], relay["EMAIL_HOST_PASSWORD"]) == (25, "", "")


def test_console():
    assert email_settings_from_url("console://") == {"EMAIL_BACKEND": CONSOLE_BACKEND}


@pytest.mark.parametrize(
    "url",
    [
        "http://mail.example.com",
        "smtp://",
        "smtp://mail.example.com?tls=maybe",
        "smtp://mail.example.com?verify=0",
        "smtps://mail.example.com?tls=1",
        "smtp://mail.example.com?timeout=0",
        "smtp://mail.example.com:99999",
        "smtp://user:hunter2@mail.example.com?tls=2",
    ],
)
def test_a_bad_url_names_the_variable_and_hides_the_password(url):
    with pytest.raises(ImproperlyConfigured) as raised:
        email_settings_from_url(url)
    message = str(raised.value)
    assert message.startswith("EMAIL_URL must be smtp://")
    assert "hunter2" not in message

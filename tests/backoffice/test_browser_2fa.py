"""In a real browser: a finance user enrols an authenticator app at first login, then logs in with a code.

Playwright drives Debian's Chromium (`/usr/bin/chromium`), as tests/test_browser.py does; the code
is computed from the secret the page shows, exactly as the phone would. Screenshots land in
`test-artifacts/`. Without Chromium the test is skipped, unless REQUIRE_BROWSER=1 (CI).
"""

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.backoffice.second_factor_helpers import code_from_secret
from tests.support.browser import ARTIFACTS
from tests.support.factories import FinanceUserFactory

pytestmark = [pytest.mark.browser]


def log_in(page, base: str, username: str, code: str = "") -> None:
    page.goto(f"{base}/admin/login/?next=/admin/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pass-1234")
    if code:
        page.fill("#id_otp_token", code)
    page.click("input[type=submit]")


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("migrated_roles")  # the finance group's permissions come from data migrations
def test_finance_enrols_a_totp_app_then_logs_in_with_its_code(live_server, browser_page, settings):
    settings.ADMIN_REQUIRE_2FA = True
    page = browser_page
    user = FinanceUserFactory(username="fiona")

    # First login: the password is right, but no admin page opens before a device is enrolled.
    log_in(page, live_server.url, "fiona")
    page.wait_for_selector("#second-factor-secret")
    assert page.url.startswith(f"{live_server.url}/admin/second-factor/")
    assert page.locator("#second-factor-qr svg").count() == 1
    secret = page.inner_text("#second-factor-secret").strip()
    page.screenshot(path=str(ARTIFACTS / "2fa-01-enrol.png"), full_page=True)

    page.fill("#id_otp_token", code_from_secret(secret))
    page.click("input[name=confirm]")
    page.wait_for_selector("#recovery-codes")
    codes = page.locator("#recovery-codes li").all_inner_texts()
    assert len(codes) == 10
    page.screenshot(path=str(ARTIFACTS / "2fa-02-recovery-codes.png"), full_page=True)
    page.click("#second-factor-continue")
    page.wait_for_selector("#site-name")
    assert TOTPDevice.objects.get(user=user).confirmed

    # Log out, then in again: without the code the door stays shut, with it the admin opens.
    page.goto(f"{live_server.url}/admin/")
    page.click("#logout-form button")
    log_in(page, live_server.url, "fiona")
    page.wait_for_selector(".errornote")
    assert "Enter the code from your authenticator app" in page.inner_text("#content")

    log_in(page, live_server.url, "fiona", code_from_secret(secret, steps_ahead=1))
    page.wait_for_selector("#site-name")
    assert page.url == f"{live_server.url}/admin/"
    page.goto(f"{live_server.url}/admin/worklogs/worklog/")
    page.wait_for_selector("#changelist")
    page.screenshot(path=str(ARTIFACTS / "2fa-03-logged-in-with-code.png"), full_page=True)

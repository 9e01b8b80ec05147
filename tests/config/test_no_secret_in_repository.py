"""No secret in the repository works anywhere (issue 14).

Every secret-looking literal of the tracked files (quoted strings and assignments that look like
keys, passwords, tokens or webhook secrets, test fixtures included) is tried as the provider's
webhook secret against the settings a deployment runs: none configured, or one generated the way
`make run` and Docker do (bin/ensure-secrets). Each is refused with 401; the generated one works.
"""

import ast
import json
import os
import re
import subprocess

import pytest

from settlements.models import ProcessorEvent
from settlements.payouts.signatures import sign
from tests.config.helpers import ROOT, settings_value
from tests.support.secret_scan import DEFAULTED, secret_looking_literals, tracked_text_files

pytestmark = pytest.mark.django_db

URL = "/api/payout-events/"


@pytest.fixture(scope="module")
def literals() -> set[str]:
    found = secret_looking_literals()
    # The harvest does find what it is meant to: the test suite's own webhook secrets, for one.
    assert {"whsec_current", "whsec_test", "whsec_old"} <= found
    return found


def deliver(client, secret: str, n: int):
    body = json.dumps({"id": f"evt_probe_{n}", "type": "payout.paid", "remittanceId": 999_999}).encode()
    header = sign(raw_body=body, secret=secret)
    return client.generic("POST", URL, body, content_type="application/json", HTTP_X_PAYOUT_SIGNATURE=header)


def test_with_no_secret_configured_every_event_is_refused(anon_client, settings, literals):
    settings.PAYOUT_WEBHOOK_SECRETS = []
    statuses = {deliver(anon_client, literal, n).status_code for n, literal in enumerate(sorted(literals))}
    assert statuses == {401}
    assert not ProcessorEvent.objects.exists()


def test_with_a_generated_secret_no_literal_of_the_repository_signs_an_event(anon_client, settings, literals, tmp_path):
    subprocess.run(
        [ROOT / "bin" / "ensure-secrets", "PAYOUT_WEBHOOK_SECRETS"],
        env={**os.environ, "SECRETS_DIR": str(tmp_path)},
        check=True,
    )
    generated = (tmp_path / "PAYOUT_WEBHOOK_SECRETS").read_text().strip()
    assert generated not in literals and len(generated) >= 40
    settings.PAYOUT_WEBHOOK_SECRETS = [generated]

    refused = [
        literal for n, literal in enumerate(sorted(literals)) if deliver(anon_client, literal, n).status_code != 401
    ]
    assert refused == []
    assert not ProcessorEvent.objects.exists()
    assert deliver(anon_client, generated, -1).status_code == 200


@pytest.mark.parametrize("debug", ["0", "1"])
def test_settings_hold_no_webhook_secret_and_no_repository_key_by_themselves(debug, literals):
    env = {"DJANGO_DEBUG": debug}
    if debug == "0":
        env.update(
            DJANGO_SECRET_KEY="from-the-operator-" + "x" * 40, DJANGO_ALLOWED_HOSTS="h", DATABASE_URL="sqlite://"
        )
    result = settings_value(env, "(settings.PAYOUT_WEBHOOK_SECRETS, settings.SECRET_KEY)")
    assert result.returncode == 0, result.stderr
    webhook_secrets, key = ast.literal_eval(result.stdout.strip())
    assert webhook_secrets == []
    assert key not in literals


def test_the_compose_file_falls_back_to_no_secret():
    compose = (ROOT / "docker-compose.yml").read_text()
    for match in DEFAULTED.finditer(compose):
        if re.search("SECRET|PASSWORD|KEY|TOKEN", match.group("name")):
            assert match.group("value") == "", match.group(0)
    assert "POSTGRES_PASSWORD:" not in compose  # the database's comes from the generated file


def test_the_literals_of_earlier_versions_are_gone():
    retired = ["compose-demo" + "-only", "dev-only-" + "insecure", "dev-only-" + "payout", "finance" + "-demo",
               "worker" + "-demo", "build-only-" + "not-a-secret"]  # fmt: skip
    for path in tracked_text_files():
        text = path.read_text(errors="replace")
        assert not [word for word in retired if word in text], path

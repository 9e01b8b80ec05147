"""bin/ensure-secrets and bin/with-secrets: generated once, kept, never overriding what the operator gives."""

import os
import stat
import subprocess
from concurrent.futures import ThreadPoolExecutor

from tests.config.helpers import ROOT

ENSURE, WITH = str(ROOT / "bin" / "ensure-secrets"), str(ROOT / "bin" / "with-secrets")


def run(argv: list[str], secrets_dir, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SECRET_KEY", "PAYOUT_WEBHOOK_SECRETS"}}
    return subprocess.run(
        argv, env={**clean, "SECRETS_DIR": str(secrets_dir), **env}, capture_output=True, text=True, check=True
    )


def test_secrets_are_generated_once_and_kept(tmp_path):
    run([ENSURE], tmp_path)
    first = {name: (tmp_path / name).read_text() for name in ("DJANGO_SECRET_KEY", "PAYOUT_WEBHOOK_SECRETS")}
    run([ENSURE], tmp_path)
    assert {name: (tmp_path / name).read_text() for name in first} == first
    assert all(len(value.strip()) >= 60 for value in first.values())
    assert len(set(first.values())) == 2
    assert stat.S_IMODE((tmp_path / "DJANGO_SECRET_KEY").stat().st_mode) == 0o600


def test_processes_starting_together_agree_on_one_value(tmp_path):
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda _: run([ENSURE, "DJANGO_SECRET_KEY"], tmp_path), range(8)))
    assert [p.name for p in tmp_path.iterdir()] == ["DJANGO_SECRET_KEY"]  # no temporary file left behind


def test_with_secrets_exports_them_unless_already_given(tmp_path):
    script = 'printf "%s|%s" "$DJANGO_SECRET_KEY" "$PAYOUT_WEBHOOK_SECRETS"'
    generated = run([WITH, "sh", "-c", script], tmp_path).stdout.split("|")
    assert generated == [(tmp_path / n).read_text().strip() for n in ("DJANGO_SECRET_KEY", "PAYOUT_WEBHOOK_SECRETS")]

    given = run([WITH, "sh", "-c", script], tmp_path, DJANGO_SECRET_KEY="from-the-operator").stdout.split("|")
    assert given == ["from-the-operator", generated[1]]


def test_names_listed_as_readable_are_readable_by_another_user(tmp_path):
    run([ENSURE, "PGPASSWORD"], tmp_path, SECRETS_READABLE="PGPASSWORD")
    assert stat.S_IMODE((tmp_path / "PGPASSWORD").stat().st_mode) == 0o644

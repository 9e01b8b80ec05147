"""A real gunicorn, started from gunicorn.conf.py with debug off, as production runs it, with its
database unreachable: /healthz answers, /readyz is 503, /metrics sums every worker's request counts
(multiprocess mode) and still answers, and every line gunicorn and Django write to stdout and stderr
is one JSON object; the access line of each request carries its request id."""

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from tests.config.helpers import clean_environment
from tests.support.pgbouncer import free_port

ROOT = Path(__file__).resolve().parents[2]
REQUESTS = 8


def get(port: int, path: str, request_id: str | None = None) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}")
    if request_id:
        request.add_header("X-Request-ID", request_id)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_gunicorn_logs_json_lines_with_the_request_ids_and_serves_health_and_metrics(tmp_path):
    port = free_port()
    env = clean_environment(
        {
            "DJANGO_SECRET_KEY": "test-only-" + "k" * 50,
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "DATABASE_URL": "postgres://nobody@127.0.0.1:9/nothing",  # nothing listens there
            "HOST": "127.0.0.1",
            "PORT": str(port),
            "WEB_WORKERS": "2",
            "WEB_THREADS": "2",
            "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),
        }
    )
    stdout, stderr = (tmp_path / "stdout").open("w+"), (tmp_path / "stderr").open("w+")
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "config.wsgi:application"],
        cwd=ROOT, env=env, stdout=stdout, stderr=stderr,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if get(port, "/healthz", "startup-probe")[0] == 200:
                    break
            except OSError:
                pass
            assert server.poll() is None, (tmp_path / "stderr").read_text()
            assert time.monotonic() < deadline, "gunicorn did not start"
            time.sleep(0.2)

        health = [get(port, "/healthz", f"health-{i:04d}-probe") for i in range(REQUESTS)]
        assert {(status, headers["X-Request-ID"]) for status, headers, _ in health} == {
            (200, f"health-{i:04d}-probe") for i in range(REQUESTS)
        }
        status, _, body = get(port, "/readyz", "ready-probe-0001")
        assert status == 503
        readiness = json.loads(body)
        assert (readiness["status"], readiness["checks"]["database"]["status"]) == ("unavailable", "unavailable")
        missing = get(port, "/api/no-such-thing/", "missing-0001")
        assert missing[0] == 404

        status, _, body = get(port, "/metrics")
        assert status == 200
        samples = {
            (sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(body.decode())
            for sample in family.samples
        }
        # Both workers' counts, summed: every /healthz request, whichever worker answered it.
        healthz = sum(
            value
            for (name, labels), value in samples.items()
            if name == "django_http_requests_total_by_view_transport_method_total" and ("view", "healthz") in labels
        )
        assert healthz == REQUESTS + 1  # and the start-up probe
        assert samples[("wls_domain_figures_up", ())] == 0
        assert len(list((tmp_path / "metrics").glob("*.db"))) >= 2  # a file per worker and kind
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)

    lines = {}
    for name in ("stdout", "stderr"):
        text = (tmp_path / name).read_text()
        lines[name] = [json.loads(line) for line in text.splitlines() if line.strip()]  # each line one JSON object
        for line in lines[name]:
            assert {"time", "level", "logger", "message"} <= line.keys(), line
    access = {line["request_id"]: line for line in lines["stdout"] if line["logger"] == "gunicorn.access"}
    assert {access[f"health-{i:04d}-probe"]["status"] for i in range(REQUESTS)} == {200}
    assert (access["ready-probe-0001"]["status"], access["ready-probe-0001"]["path"]) == (503, "/readyz")
    assert (access["missing-0001"]["method"], access["missing-0001"]["status"]) == ("GET", 404)
    assert access["missing-0001"]["client_ip"] == "127.0.0.1"
    logged = [line for line in lines["stderr"] if line.get("request_id") == "missing-0001"]
    assert [(line["logger"], line["message"]) for line in logged] == [
        ("django.request", "Not Found: /api/no-such-thing/")
    ]
    assert any(line["logger"] == "gunicorn.error" and "Booting worker" in line["message"] for line in lines["stderr"])
    assert os.path.exists(tmp_path / "metrics")  # given by the operator: kept

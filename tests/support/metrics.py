"""`/metrics` read back through prometheus_client's own parser."""

from prometheus_client.parser import text_string_to_metric_families
from rest_framework.test import APIClient


def scrape(client=None, **extra) -> dict[str, dict[tuple, float]]:
    """{metric name: {(label, value) pairs: sample value}} of every sample of /metrics."""
    response = (client or APIClient()).get("/metrics", **extra)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain")
    samples: dict[str, dict[tuple, float]] = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples.setdefault(sample.name, {})[tuple(sorted(sample.labels.items()))] = sample.value
    return samples

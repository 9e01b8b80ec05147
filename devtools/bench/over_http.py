"""The bench's figures over real HTTP (`make bench` without `--no-gunicorn`): the list pages and the
segment ingestion through gunicorn, each right before its floor behind the same gunicorn, then the
batch ingestion; `manage.py bench` calls `over_http` after the in-process figures."""

from datetime import UTC, datetime, timedelta

from django.core.management.base import CommandError

from devtools.bench import batch, httpload, undo, wrk
from worklogs.models import Segment


def over_http(plan, results, options, token, ingest_worklogs, *, log) -> None:
    """Lists and ingestion through gunicorn, loaded by `wrk` when installed (else Python threads),
    each right before its floor (devtools/bench/floors/views.py) behind the same gunicorn."""
    choice = options["load_generator"]
    if choice == "wrk" and not wrk.available():
        raise CommandError("--load-generator wrk: wrk is not installed (apt-get install wrk).")
    use_wrk = choice == "wrk" or (choice == "auto" and wrk.available())
    seconds = options["http_seconds"]
    floors = not options["no_floors"]
    log(f"HTTP load generator: {'wrk' if use_wrk else 'Python threads (install wrk for lighter load)'}")
    per_client = options["requests"] or max(25, min(150, round(150 * plan.scale)))
    headers = {"Authorization": f"Token {token}"}

    def get_load(port: int, url: str) -> dict:
        if use_wrk:
            wrk.get(port, url, token, seconds=max(1, seconds // 3))  # warm both workers
            return wrk.get(port, url, token, seconds=seconds)

        def plan_for(i, url=url):
            for _ in range(per_client):
                yield "GET", url, None, headers, (200,)

        httpload.http_load(port, plan_for, clients=8)  # warm both workers
        return httpload.http_load(port, plan_for, clients=8)

    def post_load(port: int, prefix: str, days_back: int) -> dict:
        if use_wrk:
            base = int((datetime.now(UTC) - timedelta(days=3 + days_back)).timestamp())
            row = wrk.post_segments(port, token, ingest_worklogs, base, seconds=seconds, prefix=prefix)
        else:
            posts = httpload.segment_posts(ingest_worklogs, token, per_client, prefix=prefix, days_back=days_back)
            row = httpload.http_load(port, posts, clients=8)
        row["segments_per_s"] = row["req_per_s"]
        return row

    lists, list_floors = {}, {}
    with httpload.gunicorn() as port:
        for key, row in results["list_test_client"].items():
            url = row["url"]
            floor_url = "/bench-floor" + url
            if floors:
                product_answer = httpload.get_bytes(port, url, token)
                floor_answer = httpload.get_bytes(port, floor_url, token)
                if product_answer != floor_answer:
                    raise CommandError(
                        f"The list floor answers other bytes than {url}: {product_answer[1][:300]!r} against "
                        f"{floor_answer[1][:300]!r}"
                    )
            lists[key] = get_load(port, url)
            log(f"list {key} (gunicorn, 8 clients): {lists[key]}")
            if floors:
                list_floors[key] = get_load(port, floor_url)
                log(f"  floor (same bytes): {list_floors[key]}")
        ingested = Segment.objects.filter(worklog_id__in=ingest_worklogs).count
        before = ingested()
        ingest = post_load(port, "/api", 0)
        # wrk stops at its deadline with requests in flight: count once the last of them has landed.
        ingest["segments_created"] = undo.settled_count(ingested) - before
        log(f"ingestion (gunicorn, 8 clients): {ingest}")
        if floors:
            last = Segment.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
            # Ten days earlier than the product's segments: never the same minutes of a worker.
            floor = post_load(port, "/bench-floor", 10)
            # Undo only once the floor's posts still in flight have landed: one landing after the
            # undo would stay, an item with no running total behind it (the audit finds it).
            undo.settled_count(ingested)
            floor["segments_created"] = undo.undo_segments(
                worklog_ids=ingest_worklogs,
                after_segment_id=last,
                started_before=datetime.now(UTC) - timedelta(days=3 + 5),  # between the floor's and the product's
            )
            log(f"  floor ingestion (its rows deleted afterwards): {floor}")
            results["ingest_floor_gunicorn"] = floor
        batches = max(3, per_client // 10)
        results["ingest_batch_gunicorn"] = batch.measure(port, token, batches, ingest["segments_per_s"])
        log(f"batch ingestion (gunicorn, 8 clients): {results['ingest_batch_gunicorn']}")
    results["list_gunicorn"] = lists
    if list_floors:
        results["list_floor_gunicorn"] = list_floors
    results["ingest_gunicorn"] = ingest

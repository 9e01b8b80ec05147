"""HTTP load through `wrk` (Debian's `wrk` package), when it is installed.

A load generator written in Python shares the two cores with the server it measures and spends
more CPU per request than a list page costs to serve, so the bench prefers `wrk` (C, epoll, a few
percent of one core at these rates) and falls back to `httpload.http_load` without it. Both report
the same keys: req_per_s, p50_ms, p99_ms, requests, errors, tool.
"""

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

WRK = "wrk"

# Segment ingestion: each wrk thread posts to its own share of the worklogs, one-minute segments
# two minutes apart from `base` (unix seconds), so no two requests ever overlap.
SEGMENTS_LUA = r"""
local next_tid = 0
function setup(thread)
  thread:set("tid", next_tid)
  next_tid = next_tid + 1
end

function init(args)
  token, base, nthreads, prefix = args[1], tonumber(args[2]), tonumber(args[3]), args[5]
  mine, counter = {}, 0
  local i = 0
  for id in string.gmatch(args[4], "%d+") do
    if i % nthreads == tid then table.insert(mine, id) end
    i = i + 1
  end
end

function request()
  local worklog = mine[(counter % #mine) + 1]
  local start = base + math.floor(counter / #mine) * 120
  counter = counter + 1
  local body = string.format('{"startedAt":"%s","endedAt":"%s"}',
    os.date("!%Y-%m-%dT%H:%M:%SZ", start), os.date("!%Y-%m-%dT%H:%M:%SZ", start + 60))
  return wrk.format("POST", prefix .. "/worklogs/" .. worklog .. "/segments/",
    {["Authorization"] = "Token " .. token, ["Content-Type"] = "application/json"}, body)
end
"""

_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def available() -> bool:
    return shutil.which(WRK) is not None


def _found(match: re.Match[str] | None) -> re.Match[str]:
    if match is None:
        raise ValueError("wrk's output is not in the expected format.")
    return match


def _ms(text: str) -> float:
    number, unit = _found(re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)).groups()
    return float(number) * _UNITS_MS[unit]


def parse(output: str) -> dict:
    """The figures of `wrk --latency` output."""
    percentiles = {int(p): _ms(v) for p, v in re.findall(r"^\s+(\d+)%\s+([\d.]+(?:us|ms|s|m))\s*$", output, re.M)}
    requests = int(_found(re.search(r"(\d+) requests in", output)).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(r"Socket errors: (.*)", output)
    return {
        "tool": "wrk",
        "req_per_s": float(_found(re.search(r"Requests/sec:\s+([\d.]+)", output)).group(1)),
        "p50_ms": percentiles[50],
        "p99_ms": percentiles[99],
        "requests": requests,
        "errors": int(bad.group(1)) if bad else 0,
        "socket_errors": socket_errors.group(1).strip() if socket_errors else "",
    }


def run(url: str, *, seconds: int = 10, connections: int = 8, threads: int = 2, headers=(), script=None, args=()):
    command = [WRK, f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s"]
    for name, value in headers:
        command += ["-H", f"{name}: {value}"]
    with tempfile.TemporaryDirectory() as tmp:
        if script:
            path = Path(tmp) / "script.lua"
            path.write_text(script)
            command += ["-s", str(path)]
        command.append(url)
        if args:
            command += ["--", *args]
        done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60, check=True)  # noqa: S603
    return parse(done.stdout)


def get(port: int, path: str, token: str, seconds: int = 10) -> dict:
    return run(f"http://127.0.0.1:{port}{path}", seconds=seconds, headers=[("Authorization", f"Token {token}")])


def post_segments(
    port: int, token: str, worklog_ids: list[int], base: int, seconds: int = 10, prefix: str = "/api"
) -> dict:
    """One-minute segments from `base` on; `prefix` + /worklogs/<id>/segments/ (the product's, or the floor's)."""
    ids = ",".join(str(i) for i in worklog_ids)
    return run(
        f"http://127.0.0.1:{port}/", seconds=seconds, script=SEGMENTS_LUA, args=[token, str(base), "2", ids, prefix]
    )

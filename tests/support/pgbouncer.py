"""A PgBouncer in transaction pooling mode in front of the test's PostgreSQL, on a spare port.

Debian's `pgbouncer` (.ci/run installs it when missing). Without it the test is skipped, unless
REQUIRE_PGBOUNCER=1 (as in CI) makes that a failure. Started as the `postgres` user when the tests run
as root (PgBouncer refuses to run as root), trusting the client like the PostgreSQL it points at.
"""

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

START_TIMEOUT = 20


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _binary() -> str | None:
    return shutil.which("pgbouncer") or next(
        (path for path in ("/usr/sbin/pgbouncer", "/usr/bin/pgbouncer") if os.path.exists(path)), None
    )


@contextmanager
def pgbouncer(*, host: str, port: int, user: str) -> Iterator[int]:
    """Runs PgBouncer (transaction pooling) for the PostgreSQL at host:port; yields its port."""
    binary = _binary()
    if binary is None:
        message = "pgbouncer is not installed (apt-get install pgbouncer)"
        if os.environ.get("REQUIRE_PGBOUNCER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    directory = Path(tempfile.mkdtemp(prefix="wls-pgbouncer-"))
    directory.chmod(0o777)  # read and written by the postgres user when started as root
    listen = free_port()
    (directory / "userlist.txt").write_text(f'"{user}" ""\n')
    (directory / "pgbouncer.ini").write_text(
        "[databases]\n"
        f"* = host={host} port={port}\n"
        "[pgbouncer]\n"
        f"listen_addr = 127.0.0.1\nlisten_port = {listen}\nunix_socket_dir =\n"
        f"auth_type = trust\nauth_file = {directory}/userlist.txt\n"
        "pool_mode = transaction\nmax_client_conn = 200\ndefault_pool_size = 8\n"
        "ignore_startup_parameters = extra_float_digits,options\n"
        f"logfile = {directory}/pgbouncer.log\npidfile = {directory}/pgbouncer.pid\n"
    )
    for path in directory.iterdir():
        path.chmod(0o666)
    command = [binary, str(directory / "pgbouncer.ini")]
    if os.geteuid() == 0:
        command[1:1] = ["-u", "postgres"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                socket.create_connection(("127.0.0.1", listen), timeout=1).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    log = (directory / "pgbouncer.log").read_text() if (directory / "pgbouncer.log").exists() else ""
                    pytest.fail(f"pgbouncer did not start: {process.communicate()[0]} {log}")
                time.sleep(0.1)
        yield listen
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        shutil.rmtree(directory, ignore_errors=True)

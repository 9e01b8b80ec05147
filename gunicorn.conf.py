"""gunicorn's configuration: loaded by default from the working directory (`bin/start-web`, the Docker
image, `make run`). Every value comes from the environment, validated like the Django settings
(config/env.py): a bad one stops gunicorn with one line naming it, before any worker starts. The
Django settings themselves are read once here too, for the same reason.

- Workers and threads: WEB_WORKERS processes (default 2) x WEB_THREADS threads (default 4; gthread).
- Timeouts: WEB_TIMEOUT (a worker silent this long is restarted), WEB_GRACEFUL_TIMEOUT, WEB_KEEPALIVE.
- Forwarded headers (X-Forwarded-Proto): believed only when DJANGO_TRUSTED_PROXY_COUNT says proxies
  are in front (as Django believes X-Forwarded-For), from GUNICORN_FORWARDED_ALLOW_IPS (default: any
  address, since every request then comes through the proxy).
- Logs: gunicorn's error log on stderr and its access log on stdout, one JSON object per line with debug
  off (config/logging.py): the access line carries the request id, the user id and the client address
  that the Django middleware hands over (ops/middleware.py).
- Metrics: PROMETHEUS_MULTIPROC_DIR (a fresh temporary folder by default) holds every worker's request
  metrics; it is emptied at start and a dead worker's files are marked (child_exit), so /metrics on
  any worker sums all of them.
"""

import glob
import importlib
import os
import shutil
import sys
import tempfile

from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int, env_log_level, env_networks, env_str, exit_on_bad_setting
from config.logging import gunicorn_logging_config

_created_metrics_dir = False


def _django_settings() -> None:
    """Import the Django settings once, so that a bad variable stops the master with one line; then
    forget them (and the config modules they read), so that each worker, and a reload, reads them anew."""
    module = os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    importlib.import_module(module)
    for name in [module, "config.settings", "config.security", "config.operations"]:
        sys.modules.pop(name, None)


try:
    _debug = env_bool("DJANGO_DEBUG", default=False)
    bind = [f"{env_str('HOST', '0.0.0.0')}:{env_int('PORT', 8000, minimum=1, maximum=65535)}"]  # noqa: S104
    workers = env_int("WEB_WORKERS", 2, minimum=1, maximum=64)
    threads = env_int("WEB_THREADS", 4, minimum=1, maximum=256)
    timeout = env_int("WEB_TIMEOUT", 120, minimum=1, maximum=3600)
    graceful_timeout = env_int("WEB_GRACEFUL_TIMEOUT", 30, minimum=1, maximum=3600)
    keepalive = env_int("WEB_KEEPALIVE", 5, minimum=0, maximum=300)
    _trusted_proxies = env_int("DJANGO_TRUSTED_PROXY_COUNT", 0, minimum=0, maximum=10)
    _forwarders = env_networks("GUNICORN_FORWARDED_ALLOW_IPS")
    # No proxy: no client may claim a scheme (as Django then ignores X-Forwarded-For).
    forwarded_allow_ips = ",".join(str(network) for network in _forwarders) or "*" if _trusted_proxies else ""
    loglevel = env_log_level("DJANGO_LOG_LEVEL", "INFO").lower()
    accesslog = "-"
    errorlog = "-"
    logconfig_dict = gunicorn_logging_config(json=not _debug, level=loglevel.upper())
    access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms request_id=%({wls.request_id}e)s'
    _django_settings()
except ImproperlyConfigured as exc:
    exit_on_bad_setting(exc, "gunicorn")

_metrics_dir = env_str("PROMETHEUS_MULTIPROC_DIR")
if not _metrics_dir:
    _metrics_dir = tempfile.mkdtemp(prefix="wls-metrics-")
    _created_metrics_dir = True
# Set before any worker imports prometheus_client (a reload finds it set and keeps it).
os.environ["PROMETHEUS_MULTIPROC_DIR"] = _metrics_dir


def on_starting(server) -> None:
    """A fresh metrics folder: what a previous master's workers left would be counted again."""
    os.makedirs(_metrics_dir, exist_ok=True)
    for stale in glob.glob(os.path.join(_metrics_dir, "*.db")):
        os.remove(stale)


def child_exit(server, worker) -> None:
    """A worker that exited keeps its counters (they are summed), and its live gauges are dropped."""
    # Imported here, not at the top: prometheus_client picks its multiprocess storage when first
    # imported, so never before PROMETHEUS_MULTIPROC_DIR is set (above) in this master.
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server) -> None:
    if _created_metrics_dir:
        shutil.rmtree(_metrics_dir, ignore_errors=True)

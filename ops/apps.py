import logging

from django.apps import AppConfig
from django.conf import settings
from django.core.signals import request_finished

from core.log_context import clear_request


class OpsConfig(AppConfig):
    name = "ops"
    verbose_name = "Operations"

    def ready(self) -> None:
        # Python's warnings go through logging too, so that with debug off they are JSON lines like
        # everything else a process writes.
        logging.captureWarnings(getattr(settings, "LOG_CAPTURE_WARNINGS", False))
        # A request's log context (ops/middleware.py) lasts until its response is finished.
        request_finished.connect(clear_request, dispatch_uid="ops.clear_request_log_context")

import logging

from django.apps import AppConfig
from django.conf import settings


class OpsConfig(AppConfig):
    name = "ops"
    verbose_name = "Operations"

    def ready(self) -> None:
        # Python's warnings go through logging too, so that with debug off they are JSON lines like
        # everything else a process writes.
        logging.captureWarnings(getattr(settings, "LOG_CAPTURE_WARNINGS", False))

import os

from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

from config.env import exit_on_bad_setting

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
try:
    application = get_wsgi_application()
except ImproperlyConfigured as exc:  # a bad setting: one line naming it, not a traceback
    exit_on_bad_setting(exc, "wsgi")

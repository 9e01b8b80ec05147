"""The settings of the bench's gunicorn: the product's, with the URLconf that adds the floors.

Never used outside `manage.py bench` (devtools/bench/httpload.py sets DJANGO_SETTINGS_MODULE to it).
"""

from config.settings import *  # noqa: F403 - the product's settings, unchanged but one

ROOT_URLCONF = "devtools.bench.floors.urls"

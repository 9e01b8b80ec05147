"""`POST /api/auth/token/`: DRF's token view, reading JSON strictly (api/parsers.py) and forms as before.

Its own module: `config.authentication` is imported by DRF's settings, before DRF's views exist.
"""

from rest_framework import parsers
from rest_framework.authtoken.views import ObtainAuthToken

from api.parsers import CamelCaseStrictJSONParser


class ObtainAuthTokenView(ObtainAuthToken):
    """No authentication runs here: a stale `Authorization` header does not stop a client from getting
    a new token (DRF would answer 401 before reading the credentials)."""

    authentication_classes = ()
    parser_classes = (CamelCaseStrictJSONParser, parsers.FormParser, parsers.MultiPartParser)


obtain_auth_token = ObtainAuthTokenView.as_view()

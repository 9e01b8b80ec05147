"""`POST /api/auth/token/` and `POST /api/auth/logout/`.

`POST /api/users/{id}/revoke-tokens/` is finance's act, recorded in the audit trail: `audit.api.users`."""

from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_logged_in
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import parsers, serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from api.authentication import TokenAuthentication
from api.login_lockout import LOCKED_OUT
from api.parsers import CamelCaseStrictJSONParser
from api.throttling import LoginRateThrottle
from api.tokens import token_issue, token_revoke


class CredentialsSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, trim_whitespace=False, style={"input_type": "password"})


class IssuedTokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="The key, shown only here: the server keeps a digest of it.")
    expiry = serializers.DateTimeField(allow_null=True, help_text="null: an integration's token, valid until revoked.")


class ObtainTokenView(APIView):
    """Username and password for a token; locked per username and address after repeated failures."""

    authentication_classes = []  # a stale Authorization header does not stop a client from logging in
    permission_classes = [AllowAny]
    throttle_classes = [LoginRateThrottle]
    # Strict JSON (api/parsers.py), and forms for a browser's login form.
    parser_classes = [CamelCaseStrictJSONParser, parsers.FormParser, parsers.MultiPartParser]

    @extend_schema(
        operation_id="auth_token_create",
        auth=[],
        request=CredentialsSerializer,
        responses={
            200: IssuedTokenSerializer,
            400: OpenApiResponse(description="Wrong username or password; no token."),
            403: OpenApiResponse(description="Locked out: too many failures for this username from this address."),
            429: OpenApiResponse(description="Too many token requests from this address (Retry-After)."),
        },
    )
    def post(self, request):
        credentials = CredentialsSerializer(data=request.data)
        credentials.is_valid(raise_exception=True)
        # The Django request, not DRF's wrapper: django-axes marks a lockout on it for its middleware.
        django_request = request._request
        user = authenticate(django_request, **credentials.validated_data)
        if user is None:
            if getattr(django_request, "axes_locked_out", False):
                return Response({"detail": LOCKED_OUT, "code": "locked_out"}, status=status.HTTP_403_FORBIDDEN)
            raise serializers.ValidationError({"non_field_errors": ["Unable to log in with provided credentials."]})
        user_logged_in.send(sender=user.__class__, request=django_request, user=user)
        auth_token, key = token_issue(user=user)
        return Response(IssuedTokenSerializer({"token": key, "expiry": auth_token.expiry}).data)


class LogoutView(APIView):
    """Revokes the token this request is authenticated with."""

    authentication_classes = [TokenAuthentication]
    permission_classes = [IsAuthenticated]

    @extend_schema(operation_id="auth_logout", request=None, responses={204: None})
    def post(self, request):
        token_revoke(token=request.auth)
        return Response(status=status.HTTP_204_NO_CONTENT)

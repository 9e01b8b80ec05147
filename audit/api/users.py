"""`POST /api/users/{id}/revoke-tokens/`: finance revokes every API token of a user, recorded.

Here rather than beside the token endpoints in `api.auth_views`: `api` sits below `audit` in the
layers, and the revocation must be written to the trail in its own transaction (`audit.users`)."""

from django.contrib.auth import get_user_model
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from api.permissions import IsFinanceStaff
from audit.users import user_tokens_revoke


class RevokeUserTokensView(APIView):
    """Finance revokes every API token of a user (a lost laptop, a leaked script, someone who left)."""

    permission_classes = [IsFinanceStaff]

    @extend_schema(
        operation_id="users_revoke_tokens",
        request=None,
        responses={
            200: inline_serializer(
                "RevokedTokens", {"user_id": serializers.IntegerField(), "revoked": serializers.IntegerField()}
            )
        },
        description="Revokes every API token of the user; recorded in the audit trail (`user.tokens_revoked`).",
    )
    def post(self, request, pk: int):
        user = get_object_or_404(get_user_model(), pk=pk)
        revoked = user_tokens_revoke(user=user, actor=request.user)
        return Response({"user_id": user.pk, "revoked": revoked})

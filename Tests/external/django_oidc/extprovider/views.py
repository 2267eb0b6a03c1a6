from django.http import JsonResponse
from oauth2_provider.views.generic import ProtectedResourceMetadataView


class MeView(ProtectedResourceMetadataView):
    """GET /api/me: a resource protected by DOT (any valid Bearer token, any scope). Without a
    valid token DOT's RFC 9728 variant answers 401 with a WWW-Authenticate: Bearer challenge."""

    def get(self, request, *args, **kwargs):
        user = request.resource_owner  # None for a client_credentials token
        if user is None:
            return JsonResponse({"username": None})
        return JsonResponse({"username": user.get_username(), "email": user.email, "name": user.get_full_name()})

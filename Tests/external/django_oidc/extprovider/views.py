from django.http import JsonResponse
from django.urls import reverse
from oauth2_provider.views.generic import ProtectedResourceMetadataView


class MeView(ProtectedResourceMetadataView):
    """GET /api/me: a resource protected by DOT (any valid Bearer token, any scope). Without a
    valid token DOT's RFC 9728 variant answers 401 with a WWW-Authenticate: Bearer challenge."""

    def get_resource_metadata_url(self, request):
        # RFC 9728 §3.3: metadata found through a resource's WWW-Authenticate must name, as its
        # "resource", the URL the client called. DOT's default names the server-wide document
        # (here /o/.well-known/oauth-protected-resource, whose resource is http://host/o; at the
        # root it would be the bare origin), so point at the path-component form of this API
        # instead: /.well-known/oauth-protected-resource/api/me, served by DOT's own root
        # metadata route (urls.py), which derives the resource http://host/api/me from the path.
        # DOT's documented extension point (ProtectedResourceMetadataMixin); nothing else changes.
        path = reverse(
            "oauth2_provider_root_metadata:oauth-resource-metadata-path",
            kwargs={"resource_path": request.path.lstrip("/")},
        )
        return request.build_absolute_uri(path)

    def get(self, request, *args, **kwargs):
        user = request.resource_owner  # None for a client_credentials token
        if user is None:
            return JsonResponse({"username": None})
        return JsonResponse({"username": user.get_username(), "email": user.email, "name": user.get_full_name()})

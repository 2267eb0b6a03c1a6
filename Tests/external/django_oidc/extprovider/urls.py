from django.contrib.auth import views as auth_views
from django.urls import include, path
from oauth2_provider.urls import metadata_urlpatterns

from extprovider.views import MeView

urlpatterns = [
    path("o/", include("oauth2_provider.urls", namespace="oauth2_provider")),
    # RFC 8414 at the origin too: /.well-known/oauth-authorization-server/o for the issuer .../o
    path("", include((metadata_urlpatterns, "oauth2_provider"), namespace="oauth2_provider_root_metadata")),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("api/me", MeView.as_view(), name="api-me"),  # a Bearer-protected API for "get" steps
]

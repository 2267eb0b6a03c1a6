from contextvars import ContextVar

from oauth2_provider import models as dot_models
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauth2_provider.views import device as dot_device_views

_current_user = ContextVar("current_user", default=None)


def current_user_middleware(get_response):
    """Lets the validator see the browser session's user: DOT hands oauthlib no user while it
    validates an authorization request, and prompt=none needs one."""

    def middleware(request):
        token = _current_user.set(request.user)
        try:
            return get_response(request)
        finally:
            _current_user.reset(token)

    return middleware


# PATCH (RFC 8628 device grant, 1 of 2). Upstream bug: DOT 3.4.1's DeviceAuthorizationView calls
# DeviceCodeResponse(**response), and oauthlib 4.0.1 (the pinned engine) adds "scope" to that
# dict; the dataclass has no such field, so every device authorization request answered 500
# (TypeError). Drop "scope" before building it; the JSON response still carries it.
def _device_code_response(**response):
    response.pop("scope", None)
    return dot_models.DeviceCodeResponse(**response)


dot_device_views.DeviceCodeResponse = _device_code_response


class HarnessValidator(OAuth2Validator):
    """DOT's validator plus the standard profile and email claims (DOT itself only sends "sub");
    DOT filters them by granted scope through oidc_claim_scope (profile -> name..., email -> email...)."""

    def get_additional_claims(self):
        return {
            "name": lambda request: request.user.get_full_name(),
            "given_name": lambda request: request.user.first_name,
            "preferred_username": lambda request: request.user.get_username(),
            "email": lambda request: request.user.email,
            "email_verified": lambda request: True,
        }

    # oauthlib calls these for prompt=none; DOT 3.4.1 implements neither, so without them an
    # authorize request with prompt=none and scope openid answers 500 (NotImplementedError).
    # Signed in -> go on; then only a skip_authorization client gets a code, others consent_required.
    def validate_silent_login(self, request):
        user = _current_user.get()
        return bool(user is not None and user.is_authenticated)

    def validate_silent_authorization(self, request):
        return bool(getattr(request.client, "skip_authorization", False))

    # PATCH (RFC 8628 device grant, 2 of 2). Upstream bug: oauthlib 4.0.1's DeviceCodeGrant calls
    # validate_device_code(client_id, code, request) on the validator, which DOT 3.4.1 does not
    # implement (nor does its base, oauthlib.openid.RequestValidator), so the token request after
    # the user approved answered 500 (AttributeError). DOT's TokenView answers pending, denied and
    # expired itself before oauthlib runs; this maps the stored DeviceGrant to oauthlib's statuses
    # and hands oauthlib the approving user and the granted scopes.
    def validate_device_code(self, client_id, code, request, *args, **kwargs):
        DeviceGrant = dot_models.get_device_grant_model()
        try:
            device = DeviceGrant.objects.get(device_code=code, client_id=client_id)
        except DeviceGrant.DoesNotExist:
            return None  # oauthlib: invalid_grant
        if device.is_expired():
            return "expired_token"
        if device.status == device.AUTHORIZED:
            request.user = device.user
            request.scopes = device.scope.split() if device.scope else []
            return "authorized"
        return "access_denied" if device.status == device.DENIED else "authorization_pending"

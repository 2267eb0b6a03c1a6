from contextvars import ContextVar

from oauth2_provider.oauth2_validators import OAuth2Validator

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

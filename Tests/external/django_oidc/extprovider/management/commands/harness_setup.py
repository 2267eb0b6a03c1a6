"""Creates the test user and the four applications the harness's external scenarios use.

Secrets come from the environment (providers.sh generates them); DOT hashes client secrets on
save, so the plaintext is set before save() and only the caller keeps it."""
import os

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from oauth2_provider.models import get_application_model

REDIRECT_URI = "http://127.0.0.1:8400/callback"
POST_LOGOUT_REDIRECT_URI = "http://127.0.0.1:8400/logged-out"


class Command(BaseCommand):
    help = "Create alice and the harness-external* applications (replacing any earlier ones)."

    def handle(self, *args, **options):
        env = os.environ
        User = get_user_model()
        User.objects.filter(username=env["EXTERNAL_USERNAME"]).delete()
        alice = User.objects.create_user(
            env["EXTERNAL_USERNAME"], email="alice@example.com", password=env["EXTERNAL_PASSWORD"],
            first_name="Alice", last_name="Example",
        )
        Application = get_application_model()
        code_apps = [
            (env["EXTERNAL_CLIENT_ID"], env["EXTERNAL_CLIENT_SECRET"], False),
            (env["EXTERNAL_AUTO_CLIENT_ID"], env["EXTERNAL_AUTO_CLIENT_SECRET"], True),
        ]
        for client_id, secret, skip in code_apps:
            Application.objects.filter(client_id=client_id).delete()
            Application(
                client_id=client_id, client_secret=secret, name=client_id, user=alice,
                client_type=Application.CLIENT_CONFIDENTIAL,
                authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
                algorithm=Application.RS256_ALGORITHM,
                redirect_uris=REDIRECT_URI, post_logout_redirect_uris=POST_LOGOUT_REDIRECT_URI,
                skip_authorization=skip,
            ).save()
        cc_id = env["EXTERNAL_CC_CLIENT_ID"]
        Application.objects.filter(client_id=cc_id).delete()
        Application(
            client_id=cc_id, client_secret=env["EXTERNAL_CC_CLIENT_SECRET"], name=cc_id, user=alice,
            client_type=Application.CLIENT_CONFIDENTIAL,
            authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
            algorithm=Application.NO_ALGORITHM,  # no ID tokens for a machine client
        ).save()
        # RFC 8628 device grant: a public client (no secret, like a CLI or a TV app).
        device_id = env["EXTERNAL_DEVICE_CLIENT_ID"]
        Application.objects.filter(client_id=device_id).delete()
        Application(
            client_id=device_id, client_secret="", name=device_id, user=alice,
            client_type=Application.CLIENT_PUBLIC,
            authorization_grant_type=Application.GRANT_DEVICE_CODE,
            algorithm=Application.NO_ALGORITHM,  # the device grant issues no ID token at DOT
        ).save()
        self.stdout.write(f"created user {alice.username} and applications "
                          f"{', '.join(c for c, _, _ in code_apps)}, {cc_id}, {device_id}")

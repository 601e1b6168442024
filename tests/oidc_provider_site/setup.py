"""Run inside the provider's process (`django shell`): a signing key, the portal as a client,
and the organisation's people."""

import os

from django.contrib.auth.models import User
from django.core.management import call_command
from oidc_provider.models import Client, ResponseType, RSAKey

if not RSAKey.objects.exists():
    call_command("creatersakey")
client, _ = Client.objects.update_or_create(
    client_id="pep-portal",
    defaults={
        "name": "PEP Portal",
        "client_type": "confidential",
        "client_secret": os.environ["OP_CLIENT_SECRET"],
        "jwt_alg": "RS256",
        "require_consent": False,
        "reuse_consent": True,
        "_redirect_uris": os.environ["OP_REDIRECT_URI"],
        "_scope": "openid email",
    },
)
client.response_types.set([ResponseType.objects.get(value="code")])
for email, last_name in [
    ("alice.social@northam.gov.example", "Social"),
    ("stranger@northam.gov.example", "Stranger"),
    ("una.verified@northam.gov.example", "Unverified"),
]:
    if not User.objects.filter(username=email).exists():
        User.objects.create_user(email, email, "provider-password", last_name=last_name)

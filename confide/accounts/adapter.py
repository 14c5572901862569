"""allauth hooks: where people land after signing in, and what e-mails say."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from django.urls import reverse

from confide.privacy.crypto import decrypt_text, encrypt_text


class AccountAdapter(DefaultAccountAdapter):
    def get_login_redirect_url(self, request):
        return reverse("dashboard")

    def get_email_verification_redirect_url(self, email_address):
        return reverse("account_login")


class MfaAdapter(DefaultMFAAdapter):
    """TOTP secrets are credentials: keep them encrypted like PHI."""

    def encrypt(self, text: str) -> str:
        return encrypt_text(text, context="mfa.secret")

    def decrypt(self, encrypted_text: str) -> str:
        if not encrypted_text.startswith("enc1:"):
            return encrypted_text  # secrets stored before this adapter existed
        return decrypt_text(encrypted_text, context="mfa.secret")

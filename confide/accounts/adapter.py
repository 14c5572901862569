"""allauth hooks: where people land after signing in, and what e-mails say."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.authentication import AUTHENTICATION_METHODS_SESSION_KEY, get_authentication_records
from allauth.mfa.adapter import DefaultMFAAdapter
from django.urls import reverse

from confide.privacy.crypto import decrypt_text, encrypt_text


class AccountAdapter(DefaultAccountAdapter):
    def login(self, request, user) -> None:
        """Sign the person in; the password (and code) they just gave count as a recent authentication.

        allauth records each step of a sign-in in the session, but its "recently
        authenticated" check (``did_recently_reauthenticate``) only counts records
        marked ``reauthenticated``, which only its re-authentication forms write. So a
        clinician who had typed their password seconds earlier was asked for it again
        by the two-factor set-up page our MFA gate sends them to. Marking the records
        of the sign-in that has just completed fixes that at the source; each keeps
        its own time, so sensitive pages still ask again once
        ``ACCOUNT_REAUTHENTICATION_TIMEOUT`` has passed.
        """
        super().login(request, user)
        records = get_authentication_records(request, user)
        if records:
            request.session[AUTHENTICATION_METHODS_SESSION_KEY] = [
                {**record, "reauthenticated": True} for record in records
            ]

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

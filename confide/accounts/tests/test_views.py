"""Account pages: profile, client record, tokens, emergency access — and who is refused."""

import pytest
from django.urls import reverse

from confide.accounts.models import ApiToken
from confide.core.testing.fixtures import mark_recent_sign_in
from confide.privacy.models import AuditEvent, EmergencyAccess

pytestmark = pytest.mark.django_db


def test_client_profile_saves_encrypted_identity(as_client, client_user):
    response = as_client.post(
        reverse("profile"),
        {
            "pseudonym": "Robin",
            "legal_name": "Casey Q. Public",
            "date_of_birth": "1990-02-03",
            "jurisdiction": "US-NJ",
            "time_zone": "America/New_York",
        },
    )
    assert response.status_code == 302
    client_user.refresh_from_db()
    client_user.client_profile.refresh_from_db()
    assert client_user.display_name == "Robin"
    assert client_user.client_profile.legal_name == "Casey Q. Public"
    assert client_user.client_profile.jurisdiction == "US-NJ"
    assert AuditEvent.objects.filter(action="client_identity.update", outcome="allowed").count() == 1


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("pseudonym", "x", "2 to 40"),
        ("pseudonym", "me@example.com", "e-mail"),
        ("jurisdiction", "XX-99", "Select a valid choice"),
        ("time_zone", "Mars/Olympus", "Select a valid choice"),
        ("date_of_birth", "31/31/1990", "valid date"),
    ],
)
def test_client_profile_bad_input_is_a_form_error(as_client, client_user, field, value, message):
    data = {
        "pseudonym": "Robin",
        "legal_name": "",
        "date_of_birth": "",
        "jurisdiction": "US-NY",
        "time_zone": "UTC",
        field: value,
    }
    response = as_client.post(reverse("profile"), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    client_user.refresh_from_db()
    assert client_user.display_name == "Casey"  # nothing saved


@pytest.mark.parametrize("persona", ["as_therapist", "as_staff"])
def test_profile_page_is_for_clients_only(request, persona):
    assert request.getfixturevalue(persona).get(reverse("profile")).status_code == 403


def test_therapist_sees_their_clients_record_with_legal_name(as_therapist, client_user, care):
    client_user.client_profile.legal_name = "Casey Jordan"
    client_user.client_profile.save()
    response = as_therapist.get(reverse("client_record", args=[client_user.pk]))
    assert response.status_code == 200
    assert "Casey Jordan" in response.content.decode()
    assert AuditEvent.objects.filter(action="client_identity.view", outcome="allowed").exists()


@pytest.mark.parametrize("persona", ["as_other_therapist", "as_other_client", "as_staff"])
def test_client_record_is_404_for_the_wrong_person(request, client_user, care, persona):
    response = request.getfixturevalue(persona).get(reverse("client_record", args=[client_user.pk]))
    assert response.status_code == 404
    assert AuditEvent.objects.filter(action="client_identity.view", outcome="denied").count() == 1


def test_client_record_of_a_therapist_id_is_404(as_therapist, therapist):
    assert as_therapist.get(reverse("client_record", args=[therapist.pk])).status_code == 404


def test_token_is_shown_once_and_stored_hashed(as_client, client_user):
    mark_recent_sign_in(as_client)
    response = as_client.post(reverse("create_api_token"), {"name": "my script"})
    assert response.status_code == 200
    secret = response.context["new_secret"]
    assert secret.startswith("cfd_")
    token = ApiToken.objects.get(user=client_user)
    assert secret not in (token.digest, token.prefix)
    assert secret not in as_client.get(reverse("api_tokens")).content.decode()


def test_token_creation_requires_recent_authentication(as_client):
    response = as_client.post(reverse("create_api_token"), {"name": "x"})
    assert response.status_code == 302
    assert "reauthenticate" in response["Location"]


def test_someone_elses_token_cannot_be_revoked(as_other_client, client_user):
    from confide.accounts.services import issue_api_token
    from confide.privacy.audit import RequestContext

    issued = issue_api_token(RequestContext(client_user), client_user, "mine")
    response = as_other_client.post(reverse("revoke_api_token", args=[issued.token.pk]))
    assert response.status_code == 404
    issued.token.refresh_from_db()
    assert issued.token.revoked_at is None


def test_staff_emergency_access_requires_a_reason_then_opens_the_record(as_staff, staff, client_user):
    short = as_staff.post(
        reverse("emergency_access"), {"client_email": client_user.email, "reason": "check", "minutes": 30}
    )
    assert short.status_code == 200 and "at least 20 characters" in short.content.decode()
    assert not EmergencyAccess.objects.exists()
    reason = "Client sent a message describing a plan; therapist unreachable by phone."
    response = as_staff.post(
        reverse("emergency_access"), {"client_email": client_user.email, "reason": reason, "minutes": 30}
    )
    assert response.status_code == 302
    record = as_staff.get(response["Location"])
    assert record.status_code == 200 and "emergency access" in record.content.decode()
    assert AuditEvent.objects.get(action="emergency_access.open").reason == reason


def test_emergency_access_is_reviewed_by_another_staff_member(as_staff, staff, other_staff, client_user):
    from confide.core.testing.fixtures import logged_in

    as_staff.post(
        reverse("emergency_access"),
        {
            "client_email": client_user.email,
            "minutes": 30,
            "reason": "Safety concern, therapist on leave, need contact.",
        },
    )
    access = EmergencyAccess.objects.get()
    assert str(access.pk) not in as_staff.get(reverse("emergency_review")).content.decode()  # not own
    reviewer = logged_in(other_staff)
    assert str(access.pk) in reviewer.get(reverse("emergency_review")).content.decode()
    reviewer.post(reverse("emergency_review"), {"access_id": access.pk, "note": "Checked with therapist: justified."})
    access.refresh_from_db()
    assert access.reviewed_by == other_staff


@pytest.mark.parametrize("persona", ["as_client", "as_therapist"])
def test_emergency_pages_are_staff_only(request, persona):
    http = request.getfixturevalue(persona)
    assert http.get(reverse("emergency_access")).status_code == 403
    assert http.get(reverse("emergency_review")).status_code == 403

"""Clients see who accessed their data and can download it."""

import json

import pytest
from django.urls import reverse

from confide.core.testing.fixtures import mark_recent_sign_in
from confide.privacy.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_access_history_names_the_therapist_and_refused_attempts(
    as_client, as_therapist, as_other_therapist, client_user, care
):
    as_therapist.get(reverse("client_record", args=[client_user.pk]))
    as_other_therapist.get(reverse("client_record", args=[client_user.pk]))
    page = as_client.get(reverse("access_log")).content.decode()
    assert "Your therapist Dr Tess Rivera" in page
    assert "Viewed your identity details" in page
    assert "refused" in page


def test_access_history_is_only_for_the_client_themselves(as_therapist, client_user, care):
    assert as_therapist.get(reverse("access_log")).status_code == 403


def test_export_asks_for_fresh_sign_in(as_client):
    response = as_client.post(reverse("data_export"))
    assert response.status_code == 302 and "reauthenticate" in response["Location"]


def test_export_contains_own_data_and_is_audited(as_client, client_user, care):
    client_user.client_profile.legal_name = "Casey Jordan"
    client_user.client_profile.save()
    mark_recent_sign_in(as_client)
    response = as_client.post(reverse("data_export"))
    assert response["Content-Disposition"] == 'attachment; filename="confide-my-data.json"'
    data = json.loads(response.content)
    assert data["identity"]["legal_name"] == "Casey Jordan"
    assert data["care"][0]["therapist"] == "Dr Tess Rivera"
    assert AuditEvent.objects.filter(action="data_export", subject_ref=str(client_user.pk)).count() == 1


@pytest.mark.parametrize("persona", ["as_therapist", "as_staff"])
def test_export_is_for_clients_only(request, persona):
    http = request.getfixturevalue(persona)
    mark_recent_sign_in(http)
    assert http.post(reverse("data_export")).status_code == 403

"""Who may see a client's record, and whose name they see."""

from datetime import timedelta

import pytest
from django.utils import timezone

from confide.accounts import policies
from confide.accounts.services import name_for_viewer
from confide.privacy.models import EmergencyAccess

pytestmark = pytest.mark.django_db


def test_client_sees_own_record(client_user):
    assert policies.can_view_client_record(client_user, client_user)


def test_other_client_does_not(client_user, other_client):
    assert not policies.can_view_client_record(other_client, client_user)


def test_treating_therapist_does_and_others_do_not(client_user, therapist, other_therapist, care):
    assert policies.can_view_client_record(therapist, client_user)
    assert not policies.can_view_client_record(other_therapist, client_user)


def test_ended_care_relationship_no_longer_grants_access(client_user, therapist, care):
    care.status = "ended"
    care.save()
    assert not policies.can_view_client_record(therapist, client_user)


def test_staff_need_live_emergency_access(client_user, staff):
    assert not policies.can_view_client_record(staff, client_user)
    grant = EmergencyAccess.objects.create(
        staff=staff, client=client_user, reason="x" * 30, expires_at=timezone.now() + timedelta(minutes=10)
    )
    assert policies.can_view_client_record(staff, client_user)
    grant.expires_at = timezone.now() - timedelta(seconds=1)
    grant.save()
    assert not policies.can_view_client_record(staff, client_user)


def test_pseudonym_for_everyone_but_the_treating_therapist(client_user, therapist, other_therapist, staff, care):
    profile = client_user.client_profile
    profile.legal_name = "Casey Jordan"
    profile.save()
    assert name_for_viewer(therapist, client_user) == "Casey Jordan (Casey)"
    assert name_for_viewer(other_therapist, client_user) == "Casey"
    assert name_for_viewer(staff, client_user) == "Casey"
    assert name_for_viewer(client_user, client_user) == "Casey"


def test_names_for_viewer_agrees_with_name_for_viewer(
    client_user, other_client, therapist, other_therapist, staff, care
):
    from confide.accounts.services import names_for_viewer, start_care

    profile = client_user.client_profile
    profile.legal_name = "Casey Jordan"
    profile.save()
    start_care(other_client, therapist)  # treated, but no legal name given
    clients = [client_user, other_client]
    for viewer in (therapist, other_therapist, staff, client_user, other_client):
        assert names_for_viewer(viewer, clients) == {c.pk: name_for_viewer(viewer, c) for c in clients}


def test_reviewer_must_differ_from_the_staff_who_opened_access(client_user, staff, other_staff):
    grant = EmergencyAccess.objects.create(
        staff=staff, client=client_user, reason="x" * 30, expires_at=timezone.now() + timedelta(minutes=10)
    )
    assert not policies.can_review_emergency_access(staff, grant)
    assert policies.can_review_emergency_access(other_staff, grant)


def test_mfa_is_detected(therapist, client_user):
    assert policies.has_mfa(therapist)
    assert not policies.has_mfa(client_user)

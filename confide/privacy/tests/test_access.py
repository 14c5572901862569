"""authorize(): one check, one audit event, allowed or denied."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from confide.accounts.policies import can_view_client_record
from confide.privacy.access import authorize
from confide.privacy.audit import RequestContext
from confide.privacy.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_allowed_access_returns_target_and_is_audited(therapist, client_user, care):
    result = authorize(
        RequestContext(therapist), can_view_client_record, client_user, action="record.view", subject=client_user
    )
    assert result == client_user
    event = AuditEvent.objects.filter(action="record.view").get()
    assert (event.outcome, event.actor_id, event.subject_ref) == ("allowed", therapist.pk, str(client_user.pk))


def test_denied_access_hides_existence_and_is_audited(other_therapist, client_user, care):
    with pytest.raises(Http404):
        authorize(RequestContext(other_therapist), can_view_client_record, client_user, action="record.view")
    assert AuditEvent.objects.get(action="record.view").outcome == "denied"


def test_denied_access_can_say_forbidden_instead(other_therapist, client_user):
    with pytest.raises(PermissionDenied):
        authorize(
            RequestContext(other_therapist),
            can_view_client_record,
            client_user,
            action="record.view",
            hide_existence=False,
        )


def test_anonymous_context_is_always_denied(client_user):
    with pytest.raises(Http404):
        authorize(RequestContext(None), can_view_client_record, client_user, action="record.view")

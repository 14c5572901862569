"""Telehealth consent versions and re-consent; the emergency plan; encryption at rest."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import Http404
from django.utils import timezone

from confide.intake import services
from confide.intake.models import ConsentDocument, ConsentSignature, EmergencyPlan
from confide.privacy.access import AccessDenied
from confide.privacy.audit import RequestContext

COMPLETE_PLAN = {
    "session_address": "12 Harbour Street, Apt 4, Springfield",
    "location_phone": "+1 555 0100",
    "alternate_phone": "(555) 0101",
    "support_person_name": "Jordan Lee",
    "support_person_phone": "555-0102",
    "support_person_relationship": "sister",
    "support_person_consent": True,
    "emergency_number": "911",
}


def ctx_for(user) -> RequestContext:
    return RequestContext(user=user, ip="198.51.100.7", user_agent="Mozilla/5.0 test")


def raw_row(table: str, columns: str, pk) -> tuple:
    with connection.cursor() as cursor:
        for value in (pk.hex, pk):
            cursor.execute(f"SELECT {columns} FROM {table} WHERE id = %s", [value])  # noqa: S608 — test constants
            row = cursor.fetchone()
            if row:
                return row
    raise AssertionError("row not found")


def publish(version: int, *, when=None) -> ConsentDocument:
    return ConsentDocument.objects.create(
        kind="telehealth",
        version=version,
        title=f"Consent v{version}",
        body="Text",
        published_at=when or timezone.now(),
    )


@pytest.mark.django_db
def test_migration_publishes_version_one():
    document = services.current_consent_document()
    assert document.version == 1
    assert "If the connection fails" in document.body
    assert "Emergencies" in document.body


@pytest.mark.django_db
def test_no_consent_until_signed(client_user):
    assert services.has_current_telehealth_consent(client_user) is False


@pytest.mark.django_db
def test_signature_records_name_time_ip_and_agent_encrypted(client_user):
    document = services.current_consent_document()
    signature = services.sign_consent(
        ctx_for(client_user), client_user, document=document, typed_name="  Casey   Jones "
    )
    assert services.has_current_telehealth_consent(client_user) is True
    stored = ConsentSignature.objects.get(pk=signature.pk)
    assert (stored.typed_name, stored.ip, stored.user_agent) == ("Casey Jones", "198.51.100.7", "Mozilla/5.0 test")
    assert stored.signed_at is not None
    row = raw_row("intake_consentsignature", "typed_name, ip, user_agent", signature.pk)
    assert all(value.startswith("enc1:") for value in row)
    assert "Casey" not in row[0]


@pytest.mark.django_db
def test_new_version_requires_re_consent(client_user):
    services.sign_consent(
        ctx_for(client_user), client_user, document=services.current_consent_document(), typed_name="Casey Jones"
    )
    v2 = publish(2)
    assert services.current_consent_document() == v2
    assert services.has_current_telehealth_consent(client_user) is False
    services.sign_consent(ctx_for(client_user), client_user, document=v2, typed_name="Casey Jones")
    assert services.has_current_telehealth_consent(client_user) is True


@pytest.mark.django_db
def test_future_and_draft_versions_are_not_current(client_user):
    publish(2, when=timezone.now() + timedelta(days=3))
    ConsentDocument.objects.create(kind="telehealth", version=3, title="draft", body="x", published_at=None)
    assert services.current_consent_document().version == 1


@pytest.mark.django_db
def test_signing_an_old_version_is_refused(client_user):
    v1 = services.current_consent_document()
    publish(2)
    with pytest.raises(ValidationError):
        services.sign_consent(ctx_for(client_user), client_user, document=v1, typed_name="Casey Jones")


@pytest.mark.parametrize("name", ["", " ", "x", "12345", "😀😀😀"])
@pytest.mark.django_db
def test_signature_needs_a_typed_name(client_user, name):
    with pytest.raises(ValidationError):
        services.sign_consent(
            ctx_for(client_user), client_user, document=services.current_consent_document(), typed_name=name
        )


@pytest.mark.django_db
def test_nobody_signs_for_someone_else(client_user, therapist, other_client):
    document = services.current_consent_document()
    for actor in (therapist, other_client):
        with pytest.raises(AccessDenied):
            services.sign_consent(ctx_for(actor), client_user, document=document, typed_name="Casey Jones")


@pytest.mark.django_db
def test_has_current_consent_for_anonymous_or_missing_client_is_false():
    from django.contrib.auth.models import AnonymousUser

    assert services.has_current_telehealth_consent(None) is False
    assert services.has_current_telehealth_consent(AnonymousUser()) is False


@pytest.mark.django_db
def test_emergency_plan_incomplete_until_every_part(client_user):
    assert services.emergency_plan_complete(client_user) is False
    partial = {k: v for k, v in COMPLETE_PLAN.items() if k != "alternate_phone"}
    services.save_emergency_plan(ctx_for(client_user), client_user, **partial)
    assert services.emergency_plan_complete(client_user) is False
    services.save_emergency_plan(ctx_for(client_user), client_user, alternate_phone="555 0199")
    assert services.emergency_plan_complete(client_user) is True


@pytest.mark.django_db
def test_emergency_plan_needs_consent_to_contact_support_person(client_user):
    services.save_emergency_plan(
        ctx_for(client_user), client_user, **{**COMPLETE_PLAN, "support_person_consent": False}
    )
    assert services.emergency_plan_complete(client_user) is False


@pytest.mark.django_db
def test_emergency_plan_is_encrypted_at_rest(client_user):
    plan = services.save_emergency_plan(ctx_for(client_user), client_user, **COMPLETE_PLAN)
    row = raw_row(
        "intake_emergencyplan", "session_address, location_phone, support_person_name, emergency_number", plan.pk
    )
    assert all(value.startswith("enc1:") for value in row)
    assert "Harbour" not in row[0] and "Jordan" not in row[2]


@pytest.mark.parametrize(
    ("field", "value"), [("location_phone", "call me maybe"), ("emergency_number", "x"), ("session_address", "a" * 501)]
)
@pytest.mark.django_db
def test_emergency_plan_rejects_bad_values(client_user, field, value):
    with pytest.raises(ValidationError) as caught:
        services.save_emergency_plan(ctx_for(client_user), client_user, **{field: value})
    assert field in caught.value.message_dict
    assert EmergencyPlan.objects.count() == 0


@pytest.mark.django_db
def test_emergency_plan_read_by_therapist_not_by_others(care, client_user, therapist, other_therapist, staff):
    services.save_emergency_plan(ctx_for(client_user), client_user, **COMPLETE_PLAN)
    assert services.read_emergency_plan(ctx_for(therapist), client_user).support_person_name == "Jordan Lee"
    for outsider in (other_therapist, staff):
        with pytest.raises(Http404):
            services.read_emergency_plan(ctx_for(outsider), client_user)
    with pytest.raises(Http404):
        services.save_emergency_plan(ctx_for(therapist), client_user, **COMPLETE_PLAN)

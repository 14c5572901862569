"""FHIR export: a Bundle that fhir.resources (R4B) validates, with the right codes and values."""

from __future__ import annotations

import pytest
from fhir.resources.R4B.bundle import Bundle

from confide.intake import services
from confide.intake.fhir_export import measure_bundle
from confide.privacy.audit import RequestContext


def complete(client, key, answers):
    ctx = RequestContext(user=client)
    response = services.start_measure(ctx, client, key)
    services.save_measure_answers(ctx, response, answers)
    return services.complete_measure(ctx, response).response


@pytest.mark.django_db
def test_phq9_bundle_validates_and_carries_total(client_user):
    response = complete(client_user, "phq9", {**{f"q{i}": 2 for i in range(1, 9)}, "q9": 0, "difficulty": 1})
    data = measure_bundle(response)
    bundle = Bundle.model_validate(data)
    qr, observation = (entry.resource for entry in bundle.entry)
    assert qr.get_resource_type() == "QuestionnaireResponse" and qr.status == "completed"
    assert len(qr.item) == 9
    assert qr.item[0].answer[0].valueCoding.code == "LA6570-1"  # "More than half the days"
    assert observation.get_resource_type() == "Observation"
    assert observation.code.coding[0].code == "44261-6"
    assert observation.valueQuantity.value == 16
    assert observation.interpretation[0].text == "Moderately severe"
    assert observation.subject.reference == f"Patient/{client_user.pk}"
    assert observation.derivedFrom[0].reference == data["entry"][0]["fullUrl"]


@pytest.mark.django_db
def test_gad7_bundle_validates(client_user):
    response = complete(client_user, "gad7", {f"q{i}": 3 for i in range(1, 8)})
    bundle = Bundle.model_validate(measure_bundle(response))
    assert bundle.entry[1].resource.code.coding[0].code == "70274-6"
    assert bundle.entry[1].resource.valueQuantity.value == 21


@pytest.mark.django_db
def test_cssrs_bundle_skips_unasked_items(client_user):
    response = complete(client_user, "cssrs", {"q1": 1, "q2": 0, "q6": 0})
    bundle = Bundle.model_validate(measure_bundle(response))
    qr = bundle.entry[0].resource
    assert [item.linkId for item in qr.item] == ["q1", "q2", "q6"]
    assert qr.item[0].answer[0].valueBoolean is True
    assert bundle.entry[1].resource.valueCodeableConcept.text == "low"


@pytest.mark.django_db
def test_unfinished_measure_is_not_exported(client_user):
    response = services.start_measure(RequestContext(user=client_user), client_user, "phq9")
    with pytest.raises(ValueError):
        measure_bundle(response)

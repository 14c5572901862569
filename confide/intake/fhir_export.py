"""FHIR export of a completed measure: a Bundle with a QuestionnaireResponse and an Observation.

Built with ``fhir.resources.R4B`` (FHIR 4.3, the R4 line: the installed
fhir.resources 8 ships R5 as default and R4B as the R4-compatible module;
QuestionnaireResponse and Observation are unchanged between 4.0.1 and 4.3).
The models validate on construction, so an invalid resource raises here and is
never sent.
"""

from __future__ import annotations

from typing import Any

from fhir.resources.R4B.bundle import Bundle

from confide.intake.definitions import instrument
from confide.intake.models import MeasureResponse

LOINC = "http://loinc.org"
# LOINC answer list LL358-3 (PHQ-9 / GAD-7 frequency answers).
FREQUENCY_ANSWERS = {0: "LA6568-5", 1: "LA6569-3", 2: "LA6570-1", 3: "LA6571-9"}
CONFIDE_SYSTEM = "urn:confide:measures"


def measure_bundle(response: MeasureResponse) -> dict[str, Any]:
    """A validated FHIR Bundle (type ``collection``) as a JSON-ready dict."""
    if not response.is_complete:
        raise ValueError("Only completed measures are exported.")
    qr_id, obs_id = f"qr-{response.pk}", f"obs-{response.pk}"
    entries = [
        {"fullUrl": f"urn:uuid:{response.pk}", "resource": _questionnaire_response(response, qr_id)},
        {"fullUrl": f"urn:uuid:{_observation_uuid(response)}", "resource": _observation(response, obs_id, qr_id)},
    ]
    bundle = Bundle.model_validate({"resourceType": "Bundle", "type": "collection", "entry": entries})
    return bundle.model_dump(mode="json", exclude_none=True)


def _observation_uuid(response: MeasureResponse) -> str:
    import uuid

    return str(uuid.uuid5(response.pk, "observation"))


def _subject(response: MeasureResponse) -> dict[str, str]:
    return {"reference": f"Patient/{response.client_id}"}


def _questionnaire_response(response: MeasureResponse, resource_id: str) -> dict[str, Any]:
    definition = instrument(response.instrument)
    items = []
    for number, item in enumerate(definition["items"]):
        if item["id"] not in response.answers:
            continue  # skipped by the screener's logic
        items.append({"linkId": item["id"], "text": item["text"], "answer": [_answer(response, number, item["id"])]})
    loinc = definition.get("loinc", {})
    questionnaire = (
        f"{LOINC}/q/{loinc['panel']}" if loinc else f"{CONFIDE_SYSTEM}/Questionnaire/{definition['version']}"
    )
    return {
        "resourceType": "QuestionnaireResponse",
        "id": resource_id,
        "questionnaire": questionnaire,
        "status": "completed",
        "subject": _subject(response),
        "authored": response.completed_at.isoformat(),
        "item": items,
    }


def _answer(response: MeasureResponse, number: int, item_id: str) -> dict[str, Any]:
    value = int(response.answers[item_id])
    definition = instrument(response.instrument)
    label = next(o["label"] for o in definition["options"] if o["value"] == value)
    if response.instrument == "cssrs":
        return {"valueBoolean": value == 1}
    return {"valueCoding": {"system": LOINC, "code": FREQUENCY_ANSWERS[value], "display": label}}


def _observation(response: MeasureResponse, resource_id: str, qr_id: str) -> dict[str, Any]:
    definition = instrument(response.instrument)
    observation: dict[str, Any] = {
        "resourceType": "Observation",
        "id": resource_id,
        "status": "final",
        "category": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                        "code": "survey",
                        "display": "Survey",
                    }
                ]
            }
        ],
        "subject": _subject(response),
        "effectiveDateTime": response.completed_at.isoformat(),
        "derivedFrom": [{"reference": f"urn:uuid:{response.pk}"}],
    }
    result = response.result or {}
    if response.instrument == "cssrs":
        observation["code"] = {"text": f"{definition['long_title']} — risk level"}
        observation["valueCodeableConcept"] = {"text": result.get("risk", "")}
        return observation
    loinc = definition["loinc"]
    observation["code"] = {
        "coding": [{"system": LOINC, "code": loinc["total"], "display": f"{definition['title']} total score"}],
        "text": f"{definition['title']} total score",
    }
    observation["valueQuantity"] = {
        "value": result["total"],
        "unit": "{score}",
        "system": "http://unitsofmeasure.org",
        "code": "{score}",
    }
    observation["interpretation"] = [{"text": result["band_label"]}]
    return observation

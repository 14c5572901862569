import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from confide.directory.models import Licence, TherapistProfile
from confide.directory.services import profile_for
from confide.privacy.models import AuditEvent

from .conftest import add_licence, listed

pytestmark = pytest.mark.django_db


# ---- search page -------------------------------------------------------------------------------


def test_search_page_works_without_sign_in(client, make_therapist):
    make_therapist("Nina Open")
    response = client.get("/therapists/?jurisdiction=US-NY")
    assert response.status_code == 200
    assert "Nina Open" in response.content.decode()
    assert 'aria-live="polite"' in response.content.decode()


def test_a_shared_search_link_with_tracking_parameters_still_searches(client, make_therapist):
    make_therapist("Nina Open")
    response = client.get("/therapists/?jurisdiction=US-NY&utm_source=newsletter&fbclid=abc123")
    assert response.status_code == 200
    assert "Nina Open" in response.content.decode()


def test_the_api_still_refuses_an_unknown_filter_name(as_client):
    response = as_client.get("/api/directory/therapists?jurisdiction=US-NY&specialtee=anxiety")
    assert response.status_code == 422
    assert "Unknown search filter" in response.json()["detail"]


def test_search_page_first_visit_asks_where_you_are(client):
    response = client.get("/therapists/")
    assert response.status_code == 200
    assert "Choose where you are" in response.content.decode()


def test_search_page_prefills_the_clients_jurisdiction(as_client, make_therapist):
    make_therapist("Nina Open")
    make_therapist("Cal Only", code="US-CA")
    body = as_client.get("/therapists/").content.decode()
    assert ("Nina Open" in body, "Cal Only" in body) == (True, False)
    assert '<option value="US-NY" selected>' in body


def test_reading_the_clients_own_location_for_search_is_audited_once(as_client, client_user, make_therapist):
    from confide.privacy.models import AuditEvent

    make_therapist("Nina Open")
    as_client.get("/therapists/")
    as_client.get("/therapists/?jurisdiction=US-NY&specialty=anxiety")  # the location is in the query: no read
    events = AuditEvent.objects.filter(action="directory.search.own_location")
    assert [(e.actor_id, e.subject_ref) for e in events] == [(client_user.pk, str(client_user.pk))]


def test_search_page_htmx_returns_the_partial_with_out_of_band_count(client, make_therapist):
    make_therapist("Nina Open")
    response = client.get("/therapists/?jurisdiction=US-NY", HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body
    assert 'hx-swap-oob="innerHTML"' in body and "1 therapist licensed in New York" in body


@pytest.mark.parametrize(
    "query",
    [
        "jurisdiction=US-NY&specialty=astrology",
        "jurisdiction=US-NY&page=100000",
        "jurisdiction=US-NY&page=1&page=2",
        "q=x",
    ],
)
def test_search_page_bad_input_is_a_400_with_a_message(client, query):
    response = client.get(f"/therapists/?{query}")
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()


def test_search_page_huge_query_string_is_a_4xx(client):
    response = client.get("/therapists/?jurisdiction=US-NY&q=" + "a" * 100_000)
    assert response.status_code == 400


def test_search_page_query_count_does_not_grow_with_results(client, make_therapist, django_assert_num_queries):
    for i in range(12):
        make_therapist(f"T{i}", specialties=["anxiety", "grief"], languages=["en"], modalities=["video"])
    client.get("/therapists/?jurisdiction=US-NY&specialty=anxiety")  # fills the taxonomy cache
    # the page with both counts, then the page's profiles with their index rows; taxonomies are cached
    with django_assert_num_queries(2):
        response = client.get("/therapists/?jurisdiction=US-NY&specialty=anxiety")
    body = response.content.decode()
    assert body.count("therapist-card") == 12
    assert "Anxiety, Grief &amp; loss" in body and "12 therapists licensed in" in body


def test_search_page_links_are_shareable(client, make_therapist):
    make_therapist("Nina Open", specialties=["anxiety"])
    body = client.get("/therapists/?jurisdiction=us-ny&specialty=anxiety").content.decode()
    assert "/therapists/?jurisdiction=US-NY&amp;specialty=anxiety" in body


# ---- public profile and embed ----------------------------------------------------------------------


def test_profile_page_is_public(client, make_therapist):
    profile = make_therapist("Nina Open", bio="Hello there")
    response = client.get(f"/therapists/{profile.slug}/")
    assert response.status_code == 200
    assert "Hello there" in response.content.decode()


def test_profile_page_shows_no_ghost_availability(client, make_therapist):
    profile = make_therapist("Ghost", open_in_days=None)
    assert "No open times in the next 30 days" in client.get(f"/therapists/{profile.slug}/").content.decode()


def test_hidden_profile_is_404_for_others_but_visible_to_owner_and_staff(
    client, as_client, as_other_therapist, as_staff, therapist
):
    profile = listed(therapist)
    profile.hidden = True
    profile.save()
    url = f"/therapists/{profile.slug}/"
    assert [c.get(url).status_code for c in (client, as_client, as_other_therapist, as_staff)] == [404, 404, 404, 200]
    from confide.core.testing.fixtures import logged_in

    assert logged_in(therapist).get(url).status_code == 200


def test_unknown_profile_is_404(client):
    assert client.get("/therapists/nobody-000000/").status_code == 404


def test_embed_may_be_framed_by_other_sites(client, make_therapist):
    profile = make_therapist("Nina Open")
    response = client.get(f"/therapists/{profile.slug}/embed/")
    assert response.status_code == 200
    assert "frame-ancestors *" in response["Content-Security-Policy"]
    assert "X-Frame-Options" not in response
    assert client.get(f"/therapists/{profile.slug}/")["X-Frame-Options"] == "DENY"


# ---- profile edit --------------------------------------------------------------------------------


def test_therapist_edits_own_profile(as_therapist, therapist):
    response = as_therapist.post(
        "/therapists/me/",
        {
            "display_name": "Dr Tess R.",
            "headline": "Calm help for anxiety",
            "bio": "x",
            "years_in_practice": 5,
            "specialties": ["1"],
            "fee": 100,
            "currency": "USD",
            "accepting_new_clients": "on",
        },
    )
    assert response.status_code == 302
    profile = TherapistProfile.objects.get(user=therapist)
    assert (profile.display_name, profile.headline, profile.specialties.count()) == (
        "Dr Tess R.",
        "Calm help for anxiety",
        1,
    )
    assert AuditEvent.objects.filter(action="directory.profile.update", outcome="allowed").count() == 1


def test_profile_edit_preview_saves_nothing(as_therapist, therapist):
    profile = profile_for(therapist)
    response = as_therapist.post("/therapists/me/preview/", {"display_name": "Preview Name", "fee": "10"})
    assert response.status_code == 200 and "Preview Name" in response.content.decode()
    profile.refresh_from_db()
    assert profile.display_name != "Preview Name"


@pytest.mark.parametrize(
    "url", ["/therapists/me/", "/therapists/me/preview/", "/therapists/me/photo/", "/therapists/me/licences/"]
)
def test_profile_edit_pages_refuse_clients_and_staff(as_client, as_staff, url):
    for http in (as_client, as_staff):
        assert http.post(url, {}).status_code == 403


def test_profile_edit_requires_sign_in(client):
    assert client.get("/therapists/me/").status_code == 302


# ---- photos -------------------------------------------------------------------------------------


def _jpeg_with_exif() -> bytes:
    image = Image.new("RGB", (800, 600), "teal")
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


def test_photo_upload_reencodes_strips_exif_and_renames(as_therapist, therapist, client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    data = _jpeg_with_exif()
    assert b"SecretCam" in data
    upload = SimpleUploadedFile("../../etc/me.jpg", data, content_type="image/jpeg")
    assert as_therapist.post("/therapists/me/photo/", {"photo": upload}).status_code == 302
    profile = TherapistProfile.objects.get(user=therapist)
    assert profile.photo.endswith(".jpg") and "me" not in profile.photo
    served = client.get(f"/therapists/photos/{profile.photo}")
    body = b"".join(served.streaming_content)
    assert served["Content-Type"] == "image/jpeg"
    assert b"SecretCam" not in body
    assert Image.open(io.BytesIO(body)).size == (480, 480)


def test_photo_upload_refuses_a_non_image(as_therapist, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    upload = SimpleUploadedFile("cv.jpg", b"%PDF-1.4 not an image", content_type="image/jpeg")
    response = as_therapist.post("/therapists/me/photo/", {"photo": upload})
    assert response.status_code == 400
    assert "not an image" in response.content.decode()


def test_photo_upload_refuses_a_huge_file(as_therapist, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    upload = SimpleUploadedFile("big.jpg", b"\xff\xd8" + b"0" * (50 * 1024 * 1024), content_type="image/jpeg")
    response = as_therapist.post("/therapists/me/photo/", {"photo": upload})
    assert response.status_code in (400, 413)
    assert list(tmp_path.rglob("*.jpg")) == []


def test_photo_view_refuses_unknown_names(client):
    assert client.get("/therapists/photos/../../settings.py").status_code == 404
    assert client.get("/therapists/photos/" + "a" * 32 + ".jpg").status_code == 404


# ---- licences -----------------------------------------------------------------------------------


def test_therapist_adds_a_licence_pending_verification(as_therapist, therapist):
    from confide.directory.models import LicenceType

    response = as_therapist.post(
        "/therapists/me/licences/",
        {
            "licence_type": LicenceType.objects.get(slug="lcsw").pk,
            "number": "123",
            "jurisdiction": "US-NY",
            "expires_on": "2099-01-01",
        },
    )
    assert response.status_code == 302
    assert list(Licence.objects.values_list("status", "jurisdiction")) == [("pending", "US-NY")]


def test_licence_form_refuses_expired_date(as_therapist):
    from confide.directory.models import LicenceType

    response = as_therapist.post(
        "/therapists/me/licences/",
        {
            "licence_type": LicenceType.objects.get(slug="lcsw").pk,
            "number": "1",
            "jurisdiction": "US-NY",
            "expires_on": "2001-01-01",
        },
    )
    assert response.status_code == 400
    assert Licence.objects.count() == 0


def test_staff_verify_licence_is_audited(as_staff, staff, therapist):
    licence = add_licence(therapist, "US-NY", status="pending")
    assert "US-NY" in as_staff.get("/staff/licences/").content.decode()
    response = as_staff.post("/staff/licences/", {"licence_id": str(licence.pk), "decision": "verify"})
    assert response.status_code == 302
    licence.refresh_from_db()
    assert (licence.status, licence.reviewed_by_id) == ("verified", staff.pk)
    assert AuditEvent.objects.filter(action="directory.licence.verified", object_id=str(licence.pk)).count() == 1


def test_staff_reject_needs_a_reason(as_staff, therapist):
    licence = add_licence(therapist, "US-NY", status="pending")
    as_staff.post("/staff/licences/", {"licence_id": str(licence.pk), "decision": "reject"})
    licence.refresh_from_db()
    assert licence.status == "pending"


def test_staff_queue_bad_licence_id_is_404(as_staff):
    assert as_staff.post("/staff/licences/", {"licence_id": "not-a-uuid", "decision": "verify"}).status_code == 404


def test_licence_queue_refuses_clients_and_therapists(as_client, as_therapist, therapist):
    licence = add_licence(therapist, "US-NY", status="pending")
    for http in (as_client, as_therapist):
        assert http.get("/staff/licences/").status_code == 403
        assert http.post("/staff/licences/", {"licence_id": licence.pk, "decision": "verify"}).status_code == 403
    licence.refresh_from_db()
    assert licence.status == "pending"


# ---- hiding ------------------------------------------------------------------------------------


def test_staff_hide_profile_with_reason(as_staff, therapist, client):
    profile = listed(therapist)
    as_staff.post(f"/therapists/{profile.slug}/moderate/", {"hidden": "on", "reason": "Complaint under review"})
    profile.refresh_from_db()
    assert (profile.hidden, profile.hidden_reason) == (True, "Complaint under review")
    assert client.get(f"/therapists/{profile.slug}/").status_code == 404
    assert AuditEvent.objects.filter(action="directory.profile.hide", outcome="allowed").count() == 1


def test_hide_profile_refuses_non_staff(as_client, as_therapist, as_other_therapist, therapist):
    profile = listed(therapist)
    for http in (as_client, as_therapist, as_other_therapist):
        assert http.post(f"/therapists/{profile.slug}/moderate/", {"hidden": "on", "reason": "x"}).status_code == 403
    profile.refresh_from_db()
    assert profile.hidden is False

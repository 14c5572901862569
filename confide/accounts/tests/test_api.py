"""The HTTP API: session or token auth, CSRF, and errors people can read."""

import pytest
from django.test import Client

from confide.accounts.services import issue_api_token, revoke_api_token
from confide.privacy.audit import RequestContext

pytestmark = pytest.mark.django_db


def test_me_with_session(as_client, client_user):
    body = as_client.get("/api/me").json()
    assert body == {
        "id": str(client_user.pk),
        "email": client_user.email,
        "role": "client",
        "display_name": "Casey",
        "time_zone": "America/New_York",
        "mfa_enrolled": False,
    }


def test_me_without_credentials_is_401_with_a_sentence(client):
    response = client.get("/api/me")
    assert response.status_code == 401
    assert response.json() == {"detail": "Sign in or send a valid access token."}


def test_me_with_a_token(client, client_user):
    issued = issue_api_token(RequestContext(client_user), client_user, "script")
    response = client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {issued.secret}")
    assert response.status_code == 200
    assert response.json()["id"] == str(client_user.pk)


def test_revoked_or_wrong_token_is_refused(client, client_user):
    issued = issue_api_token(RequestContext(client_user), client_user, "script")
    revoke_api_token(RequestContext(client_user), issued.token)
    assert client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {issued.secret}").status_code == 401
    assert client.get("/api/me", HTTP_AUTHORIZATION="Bearer cfd_made_up").status_code == 401
    assert client.get("/api/me", HTTP_AUTHORIZATION="Bearer " + "x" * 5000).status_code == 401


def test_clinician_token_without_mfa_is_refused(client):
    from confide.core.testing.fixtures import make_user

    therapist = make_user("nomfa@example.test", "therapist", mfa=False)
    issued = issue_api_token(RequestContext(therapist), therapist, "script")
    assert client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {issued.secret}").status_code == 401


def test_session_writes_need_the_csrf_token(client_user):
    http = Client(enforce_csrf_checks=True)
    http.force_login(client_user, backend="django.contrib.auth.backends.ModelBackend")
    issued = issue_api_token(RequestContext(client_user), client_user, "script")
    response = http.post(f"/api/me/tokens/{issued.token.pk}/revoke")
    assert response.status_code == 403
    issued.token.refresh_from_db()
    assert issued.token.revoked_at is None


def test_list_and_revoke_own_tokens(as_client, client_user):
    issued = issue_api_token(RequestContext(client_user), client_user, "script")
    listed = as_client.get("/api/me/tokens").json()
    assert [t["name"] for t in listed] == ["script"]
    assert issued.secret not in str(listed)
    assert as_client.post(f"/api/me/tokens/{issued.token.pk}/revoke").status_code == 204


def test_revoking_someone_elses_token_is_404(as_other_client, client_user):
    issued = issue_api_token(RequestContext(client_user), client_user, "script")
    response = as_other_client.post(f"/api/me/tokens/{issued.token.pk}/revoke")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_malformed_path_parameter_is_422_not_500(as_client):
    response = as_client.post("/api/me/tokens/not-a-uuid/revoke")
    assert response.status_code == 422
    assert response.json()["detail"].startswith("Invalid request")


def test_openapi_schema_and_local_docs(client):
    schema = client.get("/api/openapi.json").json()
    assert "/api/me" in schema["paths"]
    docs = client.get("/api/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in docs
    assert "cdn" not in docs.lower()


def test_token_post_needs_no_csrf_token(client_user):
    from django.test import Client

    issued = issue_api_token(RequestContext(client_user), client_user, "script")
    other = issue_api_token(RequestContext(client_user), client_user, "other")
    http = Client(enforce_csrf_checks=True)
    response = http.post(f"/api/me/tokens/{other.token.pk}/revoke", HTTP_AUTHORIZATION=f"Bearer {issued.secret}")
    assert response.status_code == 204

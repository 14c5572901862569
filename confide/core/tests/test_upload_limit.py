"""Oversized uploads are refused before their body is read, so they never reach a temporary file."""


def test_oversized_form_post_gets_a_readable_413(client, settings):
    limit = settings.FILE_UPLOAD_MAX_MEMORY_SIZE
    response = client.post(
        "/", data=b"x", content_type="multipart/form-data; boundary=b", CONTENT_LENGTH=str(limit + 1)
    )
    assert response.status_code == 413
    assert "too large" in response.content.decode()


def test_oversized_api_post_gets_json_413(client, settings):
    limit = settings.FILE_UPLOAD_MAX_MEMORY_SIZE
    response = client.post("/api/me", data=b"{}", content_type="application/json", CONTENT_LENGTH=str(limit + 1))
    assert response.status_code == 413
    assert "No file over" in response.json()["detail"]


def test_every_allowed_upload_stays_in_memory(settings):
    # An upload the forms accept is never spooled to a plain temporary file.
    assert max(settings.UPLOAD_MAX_BYTES, settings.MESSAGE_ATTACHMENT_MAX_BYTES) <= settings.FILE_UPLOAD_MAX_MEMORY_SIZE


def test_ordinary_posts_pass_through(client, db):
    response = client.post("/accounts/login/", data={"login": "a@example.test", "password": "x"})
    assert response.status_code != 413


# --- the 413 page is an ordinary page of the site: the person's own header, a sentence with the limit ---

import socket  # noqa: E402

import pytest  # noqa: E402
from django.urls import reverse  # noqa: E402


def _oversized_post(http, settings, path="/"):
    limit = settings.FILE_UPLOAD_MAX_MEMORY_SIZE
    return http.post(path, data=b"x", content_type="multipart/form-data; boundary=b", CONTENT_LENGTH=str(limit + 1))


def _file_limit_mb(settings) -> int:
    return max(settings.UPLOAD_MAX_BYTES, settings.MESSAGE_ATTACHMENT_MAX_BYTES) // (1024 * 1024)


@pytest.mark.django_db
def test_the_413_page_of_a_signed_in_person_has_their_header_and_the_limit(as_client, settings):
    response = _oversized_post(as_client, settings, reverse("profile"))
    assert response.status_code == 413
    page = response.content.decode()
    assert f"No file over {_file_limit_mb(settings)} MB is accepted, and some forms take less." in page
    assert "Sign out" in page and reverse("dashboard") in page  # the signed-in header
    assert reverse("account_login") not in page
    assert response["Cache-Control"] == "no-store, private"  # like every signed-in page
    assert "style-src 'self'" in response["Content-Security-Policy"]


@pytest.mark.django_db
def test_the_413_page_of_a_visitor_has_the_signed_out_header(client, settings):
    response = _oversized_post(client, settings)
    assert response.status_code == 413
    page = response.content.decode()
    assert f"No file over {_file_limit_mb(settings)} MB is accepted, and some forms take less." in page
    assert reverse("account_login") in page and "Sign out" not in page


@pytest.mark.django_db
def test_form_text_over_the_data_limit_is_a_413_with_the_limit_not_a_400(as_client, settings):
    # Under the upload limit, over DATA_UPLOAD_MAX_MEMORY_SIZE: Django raises RequestDataTooBig when the form is read.
    text = "a" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    response = as_client.post(reverse("profile"), {"pseudonym": text})
    assert response.status_code == 413
    page = response.content.decode()
    assert "Text in one form can be at most 2.5 MB" in page and "Sign out" in page


@pytest.mark.django_db
def test_api_text_over_the_data_limit_is_a_json_413(as_client, settings):
    body = '{"name": "' + "a" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1) + '"}'
    response = as_client.post("/api/directory/matching", data=body, content_type="application/json")
    assert response.status_code == 413
    assert "at most 2.5 MB" in response.json()["detail"]


def _raw_post_headers_only(port: int, path: str, length: int, cookie: str = "") -> bytes:
    """Send a POST's headers announcing ``length`` bytes, never the body; return what the server answers."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        head = (
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; boundary=b\r\n"
            f"Content-Length: {length}\r\n" + (f"Cookie: {cookie}\r\n" if cookie else "") + "\r\n"
        )
        conn.sendall(head.encode())
        answer = b""
        while b"\r\n\r\n" not in answer or b"</html>" not in answer:
            chunk = conn.recv(65536)
            if not chunk:
                break
            answer += chunk
    return answer


def test_under_uvicorn_an_oversized_body_is_refused_before_it_is_read(asgi_live_server, settings, client_user):
    """Django's ASGI handler reads the whole body into a temporary file (on disk past the limit) before any
    middleware runs; the 413 must come back although the body is never sent."""
    from confide.core.testing.asgi import session_cookie_header

    limit = settings.FILE_UPLOAD_MAX_MEMORY_SIZE
    signed_out = _raw_post_headers_only(asgi_live_server.port, "/", limit + 1)
    assert signed_out.startswith(b"HTTP/1.1 413")
    signed_in = _raw_post_headers_only(
        asgi_live_server.port, reverse("profile"), limit + 1, cookie=session_cookie_header(client_user)
    )
    assert signed_in.startswith(b"HTTP/1.1 413")
    assert b"Sign out" in signed_in

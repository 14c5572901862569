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
    assert "at most" in response.json()["detail"]


def test_every_allowed_upload_stays_in_memory(settings):
    # An upload the forms accept is never spooled to a plain temporary file.
    assert max(settings.UPLOAD_MAX_BYTES, settings.MESSAGE_ATTACHMENT_MAX_BYTES) <= settings.FILE_UPLOAD_MAX_MEMORY_SIZE


def test_ordinary_posts_pass_through(client, db):
    response = client.post("/accounts/login/", data={"login": "a@example.test", "password": "x"})
    assert response.status_code != 413

"""CONFIDE_SITE_URL: a production server with no (or a loopback) link address refuses to start; the demo starts."""

import contextlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from confide.core.management.commands.serve import child_environment
from confide.core.site_url import DEMO_SITE_URL, checked_site_url, is_local_host

ROOT = Path(__file__).resolve().parents[3]
PUBLIC = {"allowed_hosts": ["therapy.example.org"], "csrf_trusted_origins": []}
DEMO = {"allowed_hosts": ["127.0.0.1", "localhost"], "csrf_trusted_origins": []}


@pytest.mark.parametrize("raw", ["", "http://127.0.0.1:8000", "http://localhost:8000/", "http://[::1]:8000"])
def test_a_public_site_without_a_public_link_address_is_refused_naming_the_setting(raw):
    with pytest.raises(ImproperlyConfigured, match="CONFIDE_SITE_URL") as refused:
        checked_site_url(raw, debug=False, **PUBLIC)
    assert "therapy.example.org" in str(refused.value)


def test_a_proxy_origin_counts_as_a_public_name():
    with pytest.raises(ImproperlyConfigured, match="CONFIDE_SITE_URL is not set"):
        checked_site_url(
            "", debug=False, allowed_hosts=["127.0.0.1"], csrf_trusted_origins=["https://therapy.example.org"]
        )


def test_the_public_address_is_used_without_its_trailing_slash():
    assert checked_site_url("https://therapy.example.org/", debug=False, **PUBLIC) == "https://therapy.example.org"


def test_the_demo_answering_only_on_this_machine_keeps_the_loopback_default():
    assert checked_site_url("", debug=False, **DEMO) == DEMO_SITE_URL


def test_debug_allows_a_loopback_address_for_development():
    assert checked_site_url("", debug=True, **PUBLIC) == DEMO_SITE_URL


@pytest.mark.parametrize("raw", ["therapy.example.org", "ftp://therapy.example.org", "https://", "https://x.org/?a=1"])
def test_a_malformed_address_is_refused_even_in_the_demo(raw):
    with pytest.raises(ImproperlyConfigured, match="CONFIDE_SITE_URL must be the address people open"):
        checked_site_url(raw, debug=False, **DEMO)


@pytest.mark.parametrize(
    ("host", "local"),
    [("127.0.0.1", True), ("127.8.0.1", True), ("::1", True), ("[::1]", True), ("0.0.0.0", True)]  # noqa: S104
    + [("localhost", True), ("app.localhost", True), (".localhost", True)]
    + [("therapy.example.org", False), ("*", False), ("10.0.0.5", False), ("localhost.example.org", False)],
)
def test_which_names_only_ever_mean_this_machine(host, local):
    assert is_local_host(host) is local


def _start_app(env: dict[str, str]) -> subprocess.CompletedProcess:
    """What uvicorn does at start: import the ASGI application (settings, apps, URLs)."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("CONFIDE_") or k == "CONFIDE_DATA_DIR"}
    full_env = {**base, "DJANGO_SETTINGS_MODULE": "confide.settings", **env}
    return subprocess.run(
        [sys.executable, "-c", "import confide.asgi"],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_server_refuses_to_start_for_a_public_host_without_the_setting():
    refused = _start_app({"CONFIDE_ALLOWED_HOSTS": "therapy.example.org"})
    assert refused.returncode != 0
    assert "CONFIDE_SITE_URL is not set, but the site answers to therapy.example.org" in refused.stderr

    loopback = _start_app({"CONFIDE_ALLOWED_HOSTS": "therapy.example.org", "CONFIDE_SITE_URL": "http://localhost"})
    assert loopback.returncode != 0
    assert "CONFIDE_SITE_URL is http://localhost, an address on this machine" in loopback.stderr


def test_the_server_starts_with_the_setting_and_for_the_demo():
    configured = _start_app(
        {"CONFIDE_ALLOWED_HOSTS": "therapy.example.org", "CONFIDE_SITE_URL": "https://therapy.example.org"}
    )
    assert configured.returncode == 0, configured.stderr
    demo = _start_app({})  # make run: nothing set, DEBUG off
    assert demo.returncode == 0, demo.stderr


def test_manage_py_serve_refuses_before_starting_anything():
    base = {k: v for k, v in os.environ.items() if not k.startswith("CONFIDE_") or k == "CONFIDE_DATA_DIR"}
    result = subprocess.run(
        [sys.executable, "manage.py", "serve", "--port", "8999"],
        cwd=ROOT,
        env={**base, "CONFIDE_ALLOWED_HOSTS": "*"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "CONFIDE_SITE_URL is not set, but the site answers to *" in result.stderr
    assert "Confide is running" not in result.stdout


@pytest.mark.parametrize(
    ("host", "expected"),
    [("127.0.0.1", "http://127.0.0.1:8123"), ("localhost", "http://localhost:8123"), ("::1", "http://[::1]:8123")]
    + [("0.0.0.0", "http://127.0.0.1:8123")],  # noqa: S104
)
def test_the_demo_on_another_port_links_to_that_port(host, expected):
    assert child_environment({}, host, 8123)["CONFIDE_SITE_URL"] == expected


def test_serve_keeps_an_operators_setting_and_adds_none_for_a_public_bind():
    assert child_environment({"CONFIDE_SITE_URL": "https://t.example.org"}, "127.0.0.1", 8000)["CONFIDE_SITE_URL"] == (
        "https://t.example.org"
    )
    assert "CONFIDE_SITE_URL" not in child_environment({}, "192.0.2.10", 8000)


def test_sigterm_stops_serve_and_both_of_its_children():
    """systemd and Docker stop a service with SIGTERM; the server and worker must not outlive `serve`."""
    import signal
    import time

    from confide.core.testing.services import _port_open, free_port, wait_for_port

    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONFIDE_") or k == "CONFIDE_DATA_DIR"}
    serve = subprocess.Popen(  # noqa: S603 — fixed argv
        [sys.executable, "manage.py", "serve", "--port", str(port)], cwd=ROOT, env=env, start_new_session=True
    )
    try:
        wait_for_port(port, serve, timeout=60)
        children = _children_of(serve.pid)
        assert len(children) == 2  # uvicorn and the task worker
        serve.send_signal(signal.SIGTERM)
        assert serve.wait(timeout=30) == 0
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and (_port_open("127.0.0.1", port) or any(map(_alive, children))):
            time.sleep(0.2)
        assert not _port_open("127.0.0.1", port)
        assert not any(map(_alive, children))
    finally:  # whatever happened, nothing of this test outlives it (the children share serve's session)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(serve.pid, signal.SIGKILL)
        serve.wait(timeout=10)


def _children_of(pid: int) -> list[int]:
    import time

    for _ in range(100):  # the children start just before the port opens; both are there by then
        found = [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
        if len(found) == 2:
            return found
        time.sleep(0.1)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"

"""Settings come from CONFIDE_* variables; bad values stop start-up with a clear message."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from confide.core.email_url import parse_email_url
from confide.core.env import env_bool, env_int, env_list, env_secret, generated_secret

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize(
    ("raw", "expected"), [("1", True), ("yes", True), ("ON", True), ("0", False), ("off", False), ("", False)]
)
def test_env_bool_accepts_usual_spellings(monkeypatch, raw, expected):
    monkeypatch.setenv("CONFIDE_X", raw)
    assert env_bool("CONFIDE_X") is expected


def test_env_bool_rejects_anything_else(monkeypatch):
    monkeypatch.setenv("CONFIDE_X", "maybe")
    with pytest.raises(ImproperlyConfigured, match="CONFIDE_X"):
        env_bool("CONFIDE_X")


def test_env_int_checks_type_and_bounds(monkeypatch):
    monkeypatch.setenv("CONFIDE_N", "abc")
    with pytest.raises(ImproperlyConfigured, match="whole number"):
        env_int("CONFIDE_N", 1)
    monkeypatch.setenv("CONFIDE_N", "0")
    with pytest.raises(ImproperlyConfigured, match="at least 1"):
        env_int("CONFIDE_N", 5, minimum=1)
    monkeypatch.delenv("CONFIDE_N")
    assert env_int("CONFIDE_N", 5) == 5


def test_env_list_splits_and_trims(monkeypatch):
    monkeypatch.setenv("CONFIDE_L", " a.example , b.example,, ")
    assert env_list("CONFIDE_L", []) == ["a.example", "b.example"]


def test_env_secret_reads_file_form(monkeypatch, tmp_path):
    secret_file = tmp_path / "s"
    secret_file.write_text("from-file\n")
    monkeypatch.setenv("CONFIDE_S_FILE", str(secret_file))
    assert env_secret("CONFIDE_S") == "from-file"
    monkeypatch.setenv("CONFIDE_S", "direct")
    with pytest.raises(ImproperlyConfigured, match="not both"):
        env_secret("CONFIDE_S")


def test_generated_secret_is_created_once_with_private_permissions(tmp_path):
    first = generated_secret(tmp_path, "k", lambda: "one")
    second = generated_secret(tmp_path, "k", lambda: "two")
    assert first == second == "one"
    assert oct((tmp_path / "k").stat().st_mode & 0o777) == "0o600"


def test_email_urls():
    assert parse_email_url("console:")["EMAIL_BACKEND"].endswith("console.EmailBackend")
    smtp = parse_email_url("smtp://user%40x:p%3Ass@mail.example:587?tls=1")
    assert (
        smtp["EMAIL_HOST"],
        smtp["EMAIL_PORT"],
        smtp["EMAIL_HOST_USER"],
        smtp["EMAIL_HOST_PASSWORD"],
        smtp["EMAIL_USE_TLS"],
    ) == ("mail.example", 587, "user@x", "p:ss", True)
    with pytest.raises(ImproperlyConfigured, match="scheme"):
        parse_email_url("carrier-pigeon://x")


def _settings_in_subprocess(env: dict[str, str], expression: str) -> subprocess.CompletedProcess:
    code = (
        f"import json, django; django.setup(); from django.conf import settings as s; print(json.dumps({expression}))"
    )
    base = {k: v for k, v in os.environ.items() if k != "CONFIDE_DATABASE_URL"}
    full_env = {**base, "DJANGO_SETTINGS_MODULE": "confide.settings", **env}
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=full_env, capture_output=True, text=True, timeout=60
    )


def test_defaults_are_safe():
    result = _settings_in_subprocess(
        {},
        "[s.DEBUG, s.SESSION_COOKIE_SECURE, s.DATABASES['default']['ENGINE'], "
        "s.CHANNEL_LAYERS['default']['BACKEND'], s.IDLE_MINUTES]",
    )
    assert json.loads(result.stdout) == [
        False,
        False,
        "django.db.backends.sqlite3",
        "confide.core.channel_layers.LocalChannelLayer",
        15,
    ]


def test_https_mode_turns_on_hsts_and_secure_cookies():
    result = _settings_in_subprocess(
        {"CONFIDE_HTTPS": "1"},
        "[s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_NAME]",
    )
    hsts, session_secure, csrf_secure, cookie = json.loads(result.stdout)
    assert hsts >= 31536000 and session_secure and csrf_secure and cookie.startswith("__Host-")


def test_redis_and_postgres_urls_switch_backends():
    result = _settings_in_subprocess(
        {"CONFIDE_REDIS_URL": "redis://127.0.0.1:6379/3"},
        "[s.CHANNEL_LAYERS['default']['BACKEND'], s.CACHES['default']['BACKEND']]",
    )
    assert json.loads(result.stdout) == [
        "channels_redis.pubsub.RedisPubSubChannelLayer",
        "django.core.cache.backends.redis.RedisCache",
    ]


def test_the_original_redis_channel_layer_can_be_chosen_and_a_typo_is_refused():
    env = {"CONFIDE_REDIS_URL": "redis://127.0.0.1:6379/3", "CONFIDE_REDIS_CHANNEL_LAYER": "lists"}
    lists = _settings_in_subprocess(env, "s.CHANNEL_LAYERS['default']")
    assert json.loads(lists.stdout)["BACKEND"] == "channels_redis.core.RedisChannelLayer"
    assert json.loads(lists.stdout)["CONFIG"]["expiry"] == 30

    typo = _settings_in_subprocess({**env, "CONFIDE_REDIS_CHANNEL_LAYER": "pubusb"}, "1")
    assert typo.returncode != 0
    assert "CONFIDE_REDIS_CHANNEL_LAYER must be 'pubsub' or 'lists', not 'pubusb'" in typo.stderr


def test_postgresql_uses_a_connection_pool_unless_it_is_turned_off():
    url = {"CONFIDE_DATABASE_URL": "postgres://postgres@127.0.0.1:5432/confide"}
    pooled = _settings_in_subprocess(
        url, "[s.DATABASES['default']['OPTIONS'].get('pool'), s.DATABASES['default']['CONN_MAX_AGE']]"
    )
    unpooled = _settings_in_subprocess(
        {**url, "CONFIDE_DB_POOL_SIZE": "0", "CONFIDE_DB_CONN_MAX_AGE": "30"},
        "[s.DATABASES['default'].get('OPTIONS', {}).get('pool'), s.DATABASES['default']['CONN_MAX_AGE']]",
    )
    assert json.loads(pooled.stdout) == [{"min_size": 2, "max_size": 20, "timeout": 10}, 0]
    assert json.loads(unpooled.stdout) == [None, 30]


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"CONFIDE_DEBUG": "perhaps"}, "CONFIDE_DEBUG"),
        (
            {"CONFIDE_DB_POOL_SIZE": "-1", "CONFIDE_DATABASE_URL": "postgres://postgres@127.0.0.1/x"},
            "CONFIDE_DB_POOL_SIZE",
        ),
        ({"CONFIDE_IDLE_MINUTES": "0"}, "CONFIDE_IDLE_MINUTES"),
        ({"CONFIDE_DATA_KEYS": "k1:short"}, "CONFIDE_DATA_KEYS"),
        ({"CONFIDE_EMAIL_URL": "fax://x"}, "CONFIDE_EMAIL_URL"),
        ({"CONFIDE_DATABASE_URL": "nonsense"}, "CONFIDE_DATABASE_URL"),
    ],
)
def test_bad_settings_stop_start_up_with_the_variable_named(env, message):
    result = _settings_in_subprocess(env, "s.DEBUG")
    if "CONFIDE_DATA_KEYS" in env:  # keys are parsed on first use, so check them explicitly
        code = "import django; django.setup(); from confide.privacy.keys import key_ring; key_ring()"
        full_env = {**os.environ, "DJANGO_SETTINGS_MODULE": "confide.settings", **env}
        result = subprocess.run(
            [sys.executable, "-c", code], cwd=ROOT, env=full_env, capture_output=True, text=True, timeout=60
        )
    assert result.returncode != 0
    assert message in result.stderr

"""Settings that contradict each other stop the service with one line naming them."""

from __future__ import annotations

from pathlib import Path

import pytest

from entrypoints.settings import SettingsError, load_settings


def settings(**env: str) -> object:
    return load_settings({f"OPENPOST_{k}": v for k, v in env.items()}, dotenv=None)


def test_the_defaults_agree() -> None:
    loaded = settings()
    assert loaded.shutdown_grace_s < loaded.publish_lease_s  # type: ignore[attr-defined]


def test_a_grace_as_long_as_the_lease_is_refused() -> None:
    with pytest.raises(SettingsError) as refused:
        settings(PUBLISH_LEASE_S="20")
    message = str(refused.value)
    assert "OPENPOST_SHUTDOWN_GRACE_S (20)" in message
    assert "OPENPOST_PUBLISH_LEASE_S (20)" in message
    assert "\n" not in message


def test_a_shorter_grace_goes_with_a_short_lease() -> None:
    loaded = settings(PUBLISH_LEASE_S="5", SHUTDOWN_GRACE_S="3")
    assert (loaded.publish_lease_s, loaded.shutdown_grace_s) == (5, 3.0)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("host", "url"),
    [
        ("127.0.0.1", "http://127.0.0.1:8001"),
        ("0.0.0.0", "http://127.0.0.1:8001"),
        ("::", "http://[::1]:8001"),
        ("api.internal", "http://api.internal:8001"),
    ],
)
def test_the_served_url_is_reachable_from_this_machine(host: str, url: str) -> None:
    from entrypoints.commands import served_url

    assert served_url(host, 8001) == url


def test_webhook_settings_default_to_the_contract() -> None:
    settings = load_settings({}, dotenv=None)
    assert settings.webhook_retry_schedule == (5, 300, 1800, 7200, 18000, 36000, 36000)
    assert (settings.webhook_allow_http, settings.webhook_allow_private) == (False, False)
    assert settings.webhook_timeout_s == 10.0


def test_webhook_settings_are_read_and_shortened() -> None:
    settings = load_settings(
        {
            "OPENPOST_WEBHOOK_RETRY_SCHEDULE": "0.5,1,2",
            "OPENPOST_WEBHOOK_ALLOW_HTTP": "true",
            "OPENPOST_WEBHOOK_ALLOW_PRIVATE": "1",
            "OPENPOST_WEBHOOK_TIMEOUT_S": "1",
            "OPENPOST_WEBHOOK_LEASE_S": "5",
        },
        dotenv=None,
    )
    assert settings.webhook_retry_schedule == (0.5, 1, 2)
    assert settings.webhook_allow_http and settings.webhook_allow_private
    assert (settings.webhook_timeout_s, settings.webhook_lease_s) == (1.0, 5.0)


@pytest.mark.parametrize(
    ("name", "value"),
    [("WEBHOOK_RETRY_SCHEDULE", "5,soon"), ("WEBHOOK_RETRY_SCHEDULE", "-1"),
     ("WEBHOOK_ALLOW_HTTP", "maybe"), ("WEBHOOK_TIMEOUT_S", "0"), ("WEBHOOK_LEASE_S", "5")],
)  # fmt: skip
def test_bad_webhook_settings_name_the_variable(name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=f"OPENPOST_{name}"):
        load_settings({f"OPENPOST_{name}": value}, dotenv=None)


def test_metrics_are_off_by_default() -> None:
    loaded = settings()
    assert not loaded.metrics_on  # type: ignore[attr-defined]
    assert loaded.metrics_port is None and loaded.metrics_dir is None  # type: ignore[attr-defined]


def test_metrics_settings_are_read() -> None:
    on_api_port = settings(METRICS_ENABLED="true")
    assert on_api_port.metrics_on and on_api_port.metrics_port is None  # type: ignore[attr-defined]
    own = settings(METRICS_PORT="9464", METRICS_HOST="0.0.0.0", METRICS_DIR="/run/op")
    assert own.metrics_on and not own.metrics_enabled  # type: ignore[attr-defined]
    assert (own.metrics_port, own.metrics_host, str(own.metrics_dir)) == (  # type: ignore[attr-defined]
        9464, "0.0.0.0", "/run/op"
    )
    assert settings(METRICS_DIR="/run/op").metrics_on  # type: ignore[attr-defined]


@pytest.mark.parametrize(("name", "value"), [("METRICS_PORT", "0"), ("METRICS_ENABLED", "maybe")])
def test_bad_metrics_settings_name_the_variable(name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=f"^OPENPOST_{name} "):
        settings(**{name: value})


def test_a_dotenv_file_is_read_as_the_usual_tools_write_it(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text(
        "# a comment\n"
        "export OPENPOST_LOG_LEVEL=debug\n"
        'OPENPOST_PUBLIC_URL="https://posts.example/" # where clients reach it\n'
        "OPENPOST_SECRET_KEY='k$EY=with=signs'\n"
        "OPENPOST_RATE_LIMIT=10/minute\n"
        "NOT_OURS=1\n"
        "A_LINE_WITHOUT_A_VALUE\n"
    )
    loaded = load_settings({"OPENPOST_RATE_LIMIT": "20/minute"}, dotenv=dotenv)
    assert loaded.log_level == "DEBUG"
    assert loaded.public_url == "https://posts.example"
    assert loaded.secret_keys == ("k$EY=with=signs",)
    assert loaded.rate_limit == (20, "minute"), "the environment wins over the file"


def test_no_dotenv_file_is_no_settings(tmp_path: Path) -> None:
    loaded = load_settings({}, dotenv=tmp_path / "missing.env")
    assert loaded.log_level == "INFO"


def test_the_media_sweep_settings() -> None:
    default = load_settings({}, dotenv=None)
    assert (default.media_sweep_every_s, default.media_sweep_after_s) == (3600, 3600)
    changed = load_settings(
        {"OPENPOST_MEDIA_SWEEP_EVERY_S": "0", "OPENPOST_MEDIA_SWEEP_AFTER_S": "600"}, dotenv=None
    )
    assert (changed.media_sweep_every_s, changed.media_sweep_after_s) == (0, 600)
    with pytest.raises(SettingsError, match="MEDIA_SWEEP_AFTER_S"):
        settings(MEDIA_SWEEP_AFTER_S="5")  # younger than a minute may be an upload committing

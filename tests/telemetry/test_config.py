"""Export settings: the [otel] table and the OTEL_* environment (which wins), problems reported."""

from __future__ import annotations

from pathlib import Path

from approvald.settings import load_settings
from approvald.telemetry.config import export_config, parse_pairs


def test_off_without_an_endpoint() -> None:
    assert export_config({}, {}) is None
    assert export_config({"timeout_s": 3}, {}) is None


def test_config_endpoint_is_a_base_url(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[otel]\nendpoint = "http://collector:4318/"\ntimeout_s = 2.5\n'
                    'compression = "gzip"\nheaders = { authorization = "Bearer t" }\n'
                    'resource = { team = "platform" }\nmax_queue_size = 50\n')
    settings = load_settings(path, environ={})
    assert settings.problems == ()
    config = export_config(settings.otel, {})
    assert config is not None
    assert config.logs_url == "http://collector:4318/v1/logs"
    assert (config.timeout_s, config.compression, config.max_queue_size) == (2.5, "gzip", 50)
    assert config.headers == {"authorization": "Bearer t"}
    assert config.resource["team"] == "platform"
    assert config.resource["service.name"] == "approvald"


def test_the_environment_wins() -> None:
    table = {"endpoint": "http://from-config:4318", "timeout_s": 2, "headers": {"a": "config"}}
    env = {"OTEL_EXPORTER_OTLP_ENDPOINT": "https://from-env:4318",
           "OTEL_EXPORTER_OTLP_TIMEOUT": "500",
           "OTEL_EXPORTER_OTLP_HEADERS": "a=env,b=x%20y",
           "OTEL_SERVICE_NAME": "laptop-guard",
           "OTEL_RESOURCE_ATTRIBUTES": "team=payments,deployment.environment=dev",
           "OTEL_BLRP_MAX_EXPORT_BATCH_SIZE": "64", "OTEL_BLRP_SCHEDULE_DELAY": "250"}
    config = export_config(table, env)
    assert config is not None
    assert config.logs_url == "https://from-env:4318/v1/logs"
    assert config.timeout_s == 0.5
    assert config.headers == {"a": "env", "b": "x y"}
    assert config.resource["service.name"] == "laptop-guard"
    assert config.resource["team"] == "payments"
    assert (config.max_batch_size, config.schedule_delay_s) == (64, 0.25)


def test_the_logs_endpoint_is_used_as_is() -> None:
    env = {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://a:4318",
           "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT": "http://b:9999/custom/path"}
    config = export_config({}, env)
    assert config is not None and config.logs_url == "http://b:9999/custom/path"


def test_standard_switches_turn_export_off() -> None:
    base = {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://a:4318"}
    assert export_config({}, {**base, "OTEL_SDK_DISABLED": "true"}) is None
    assert export_config({}, {**base, "OTEL_LOGS_EXPORTER": "none"}) is None
    problems: list[str] = []
    assert export_config({}, {**base, "OTEL_LOGS_EXPORTER": "console"}, problems) is None
    assert "otlp only" in problems[0]


def test_bad_values_are_reported_and_replaced() -> None:
    problems: list[str] = []
    table = {"endpoint": "http://a:4318", "timeout_s": -1, "max_queue_size": 2.5,
             "compression": "zstd", "colour": "blue"}
    env = {"OTEL_EXPORTER_OTLP_PROTOCOL": "grpc", "OTEL_BLRP_MAX_QUEUE_SIZE": "lots"}
    config = export_config(table, env, problems)
    assert config is not None
    assert (config.timeout_s, config.max_queue_size, config.compression) == (10.0, 10_000, "none")
    text = "\n".join(problems)
    for expected in ("colour", "timeout_s", "max_queue_size", "zstd", "grpc", "lots"):
        assert expected in text


def test_an_endpoint_that_is_no_http_url_turns_export_off() -> None:
    problems: list[str] = []
    assert export_config({"endpoint": "collector:4317"}, {}, problems) is None
    assert "not an http(s) URL" in problems[0]


def test_user_info_never_shows() -> None:
    config = export_config({"endpoint": "https://user:secret@c.example:4318/base?k=v"}, {})
    assert config is not None
    assert config.shown_url == "https://c.example:4318/base/v1/logs"
    assert "secret" not in config.shown_url


def test_pairs_skip_what_has_no_equals_sign() -> None:
    assert parse_pairs("a=1, b = 2 ,junk,=x,c=%3D") == {"a": "1", "b": "2", "c": "="}

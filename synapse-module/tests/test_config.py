from pathlib import Path

import pytest
from synapse.module_api.errors import ConfigError

from matrix_3pid_synapse import ModuleConfig, SessionImportModule

SECRET = "s" * 32


def test_defaults() -> None:
    assert SessionImportModule.parse_config({"shared_secret": SECRET}) == ModuleConfig(
        shared_secret=SECRET.encode(), replay_window_seconds=300, cleanup_interval_seconds=300
    )


def test_secret_from_a_file_without_its_trailing_newline(tmp_path: Path) -> None:
    path = tmp_path / "secret"
    path.write_text(SECRET + "\n")
    config = SessionImportModule.parse_config({"shared_secret_path": str(path), "replay_window_seconds": 60})
    assert config.shared_secret == SECRET.encode()
    assert config.replay_window_seconds == 60


@pytest.mark.parametrize(
    "config, message",
    [
        ({}, "exactly one"),
        ({"shared_secret": SECRET, "shared_secret_path": "/x"}, "exactly one"),
        ({"shared_secret": "short"}, "at least 32"),
        ({"shared_secret": 12345}, "must be a string"),
        ({"shared_secret_path": "/nonexistent/secret"}, "Cannot read"),
        ({"shared_secret_path": 0}, "must be a string"),
        ({"shared_secret": SECRET, "replay_window_seconds": 0}, "positive integer"),
        ({"shared_secret": SECRET, "replay_window_seconds": "300"}, "positive integer"),
        ({"shared_secret": SECRET, "cleanup_interval_seconds": 1.5}, "positive integer"),
        ({"shared_secret": SECRET, "sharedsecret": SECRET}, "Unknown option"),
    ],
)
def test_refuses_bad_config(config: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        SessionImportModule.parse_config(config)

from pathlib import Path

import pytest

from ilteo.core.errors import ConfigurationError
from ilteo.core.settings import DEV_SECRET_KEY, Settings


def test_production_refuses_missing_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ILTEO_SECRET_KEY", raising=False)
    with pytest.raises(ConfigurationError, match="ILTEO_SECRET_KEY"):
        Settings(env="prod", _env_file=None)  # type: ignore[call-arg]


@pytest.mark.parametrize("value", ["changeme", "secret", "short-key"])
def test_production_refuses_placeholder_secret(value: str) -> None:
    with pytest.raises(ConfigurationError):
        Settings(env="prod", secret_key=value, _env_file=None)  # type: ignore[call-arg]


def test_production_accepts_a_real_secret() -> None:
    key = "k3y-" + "x9" * 20
    settings = Settings(env="prod", secret_key=key, _env_file=None)  # type: ignore[call-arg]
    assert settings.secret_key is not None
    assert settings.secret_key.get_secret_value() == key
    assert key not in repr(settings)  # secrets never show in logs or reprs


def test_dev_falls_back_to_a_dev_key() -> None:
    settings = Settings(env="dev", _env_file=None)  # type: ignore[call-arg]
    assert settings.secret_key is not None
    assert settings.secret_key.get_secret_value() == DEV_SECRET_KEY


def test_defaults_follow_home(tmp_path: Path) -> None:
    settings = Settings(env="dev", home=tmp_path, _env_file=None)  # type: ignore[call-arg]
    assert settings.sqlalchemy_url == f"sqlite:///{tmp_path / 'ilteo.db'}"
    assert settings.cache_dir == tmp_path / "cache"
    assert settings.lake_dir == tmp_path / "lake"


def test_environment_variables_are_read(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ILTEO_ENV", "dev")
    monkeypatch.setenv("ILTEO_HOME", str(tmp_path))
    monkeypatch.setenv("ILTEO_DATABASE_URL", "postgresql://u:p@localhost/db")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.home == tmp_path
    assert settings.sqlalchemy_url == "postgresql://u:p@localhost/db"


def test_missing_reference_dir_is_a_clear_error() -> None:
    settings = Settings(env="dev", reference_dir=None, _env_file=None)  # type: ignore[call-arg]
    with pytest.raises(ConfigurationError, match="ILTEO_REFERENCE_DIR"):
        settings.require_reference_dir()


def test_import_builds_nothing() -> None:
    import subprocess
    import sys

    code = (
        "import sys, ilteo, ilteo.cli, ilteo.core; "
        "heavy = [m for m in ('polars','duckdb','fastapi','sqlalchemy','mcp','pyarrow') "
        "if m in sys.modules]; print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"

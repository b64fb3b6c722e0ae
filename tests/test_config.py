"""The settings travel to child processes as the environment variables they are read from."""
from __future__ import annotations

import dataclasses
from pathlib import Path

from knowledge.config import ENVIRONMENT, Settings, load_settings


def _changed() -> Settings:
    """Every setting that has a variable set to something other than its default."""
    default, changes = Settings(), {}
    for name in ENVIRONMENT:
        value = getattr(default, name)
        changes[name] = (Path("/elsewhere") / name if isinstance(value, Path) else f"{value}-{name}" if isinstance(value, str)
                         else value + 1 if isinstance(value, int) else value + 0.125)
    return dataclasses.replace(default, **changes)


def test_every_variable_names_a_setting():
    assert set(ENVIRONMENT) <= {f.name for f in dataclasses.fields(Settings)}
    assert len(set(ENVIRONMENT.values())) == len(ENVIRONMENT)


def test_to_env_is_what_load_settings_reads():
    settings = _changed()
    assert load_settings(settings.to_env(secrets=True)) == settings
    assert load_settings(Settings().to_env()) == Settings()


def test_tokens_travel_only_when_asked_for():
    env = _changed().to_env()
    assert "POLICYBOT_RASA_TOKEN" not in env and "POLICYBOT_STAFF_TOKEN" not in env
    assert "POLICYBOT_DB_PASSWORD" not in env and "POLICYBOT_REDIS_PASSWORD" not in env
    assert load_settings(env) == dataclasses.replace(_changed(), rasa_token="", staff_token="", db_password="",
                                                     redis_password="")

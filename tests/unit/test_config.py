"""Settings load from TOML, name the key of any mistake, and the documented example is valid."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from phalanx.config import Settings, load_settings
from phalanx.config.signins import SprayWindow
from phalanx.core.errors import ConfigError

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_defaults_without_a_file() -> None:
    assert load_settings(None) == Settings()


def test_the_tuning_example_in_the_docs_loads(tmp_path: Path) -> None:
    text = (DOCS / "signins-detection.md").read_text(encoding="utf-8")
    example = re.search(r"```toml\n(.*?)```", text, re.S)
    assert example is not None
    path = tmp_path / "phalanx.toml"
    path.write_text(example.group(1), encoding="utf-8")
    settings = load_settings(path).signins
    assert settings.spray.windows == (SprayWindow(30, 8), SprayWindow(1440, 12))
    assert settings.allow_sources == ("10.0.5.0/24", "vuln-scanner-01")


def test_unknown_key_is_named(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text("[signins.brute_force]\nmin_failure = 3\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"bad.toml \[signins\] \[brute_force\]: unknown key"):
        load_settings(path)


def test_wrong_type_is_named(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text('[signins.brute_force]\nmin_failures = "five"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"min_failures.*expected int"):
        load_settings(path)


def test_broken_toml_is_reported_with_the_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text("[signins\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"broken\.toml: not valid TOML"):
        load_settings(path)

"""One typed Settings object, loaded once by a shell (CLI, server) and passed down.

Each capability's section lives in its own module here (signins.py, passwords.py, mail.py) so
that the whole configuration is one TOML file with one table per capability:

    [signins.spray]
    min_accounts = 10

Nothing reads configuration at import time.
"""

from __future__ import annotations

import dataclasses
import tomllib
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from phalanx.config.mail import MailSettings
from phalanx.config.passwords import PasswordSettings
from phalanx.config.server import ServerSettings
from phalanx.config.signins import SigninSettings
from phalanx.core.errors import ConfigError

T = TypeVar("T")


@dataclass(frozen=True)
class Settings:
    signins: SigninSettings = field(default_factory=SigninSettings)
    passwords: PasswordSettings = field(default_factory=PasswordSettings)
    mail: MailSettings = field(default_factory=MailSettings)
    server: ServerSettings = field(default_factory=ServerSettings)


def load_settings(path: Path | None = None) -> Settings:
    """Settings from a TOML file, or the documented defaults when no file is given."""
    if path is None:
        return Settings()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read configuration ({exc.strerror})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from exc
    return from_mapping(Settings, raw, where=str(path))


def from_mapping(cls: type[T], raw: Any, *, where: str) -> T:
    """Build a (nested) frozen dataclass from a TOML table, naming the key of any mistake."""
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: expected a table, got {type(raw).__name__}")
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    unknown = sorted(set(raw) - set(fields))
    if unknown:
        raise ConfigError(
            f"{where}: unknown key(s) {', '.join(unknown)} (known: {', '.join(sorted(fields))})"
        )
    values = {name: _convert(hints[name], raw[name], f"{where} [{name}]") for name in raw}
    return cls(**values)


def _convert(hint: Any, value: Any, where: str) -> Any:
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if dataclasses.is_dataclass(hint):
        return from_mapping(hint, value, where=where)  # type: ignore[arg-type]
    if origin in (types.UnionType, typing.Union):
        if value is None and type(None) in args:
            return None
        inner = [a for a in args if a is not type(None)]
        return _convert(inner[0], value, where)
    if origin is tuple:
        if not isinstance(value, list):
            raise ConfigError(f"{where}: expected a list, got {value!r}")
        return tuple(_convert(args[0], v, where) for v in value)
    if origin is dict:
        if not isinstance(value, dict):
            raise ConfigError(f"{where}: expected a table, got {value!r}")
        return {str(k): _convert(args[1], v, where) for k, v in value.items()}
    if hint is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if hint is Path and isinstance(value, str):
        return Path(value)
    if isinstance(hint, type) and not isinstance(value, hint):
        raise ConfigError(f"{where}: expected {hint.__name__}, got {value!r}")
    return value


__all__ = [
    "ConfigError",
    "MailSettings",
    "PasswordSettings",
    "ServerSettings",
    "Settings",
    "SigninSettings",
    "from_mapping",
    "load_settings",
]

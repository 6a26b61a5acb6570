"""Configs are dataclasses that round-trip through plain dicts, JSON and TOML."""

from __future__ import annotations

import dataclasses
import json
import os
import sys
import types
import typing
from pathlib import Path
from typing import Any, TypeVar

import tomli_w

from fingan.engine.checkpoint import atomic_write
from fingan.errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

C = TypeVar("C")


def to_dict(config: Any) -> dict[str, Any]:
    """A dataclass config as a plain dict (nested configs become nested dicts)."""
    return dataclasses.asdict(config)


def _is_tuple(hint: Any) -> bool:
    if typing.get_origin(hint) is tuple or hint is tuple:
        return True
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        return any(_is_tuple(a) for a in typing.get_args(hint))
    return False


def _dataclass_in(hint: Any) -> type | None:
    if dataclasses.is_dataclass(hint):
        return hint
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        for arg in typing.get_args(hint):
            if dataclasses.is_dataclass(arg):
                return arg
    return None


def from_dict(cls: type[C], data: dict[str, Any]) -> C:
    """Build config ``cls`` from a dict; unknown keys raise ConfigError, missing ones keep defaults."""
    if not isinstance(data, dict):
        raise ConfigError(f"{cls.__name__} expects a table of options, got {type(data).__name__}")
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - names)
    if unknown:
        raise ConfigError(f"unknown option(s) for {cls.__name__}: {', '.join(unknown)}; known: {', '.join(sorted(names))}")
    kwargs: dict[str, Any] = {}
    for key, value in data.items():
        nested = _dataclass_in(hints[key])
        if nested is not None and isinstance(value, dict):
            value = from_dict(nested, value)
        elif isinstance(value, list) and _is_tuple(hints[key]):
            value = tuple(value)
        kwargs[key] = value
    try:
        return cls(**kwargs)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"invalid {cls.__name__}: {exc}") from None


def _drop_none(value: Any) -> Any:
    """TOML has no null: leave unset (None) options out; reading them back gives the default."""
    if isinstance(value, dict):
        return {k: _drop_none(v) for k, v in value.items() if v is not None}
    return value


def save_config(config: Any, path: str | os.PathLike) -> Path:
    """Write a config to ``.toml`` or ``.json`` (atomically)."""
    path = Path(path)
    data = to_dict(config)
    if path.suffix == ".toml":
        text = tomli_w.dumps(_drop_none(data))
    elif path.suffix == ".json":
        text = json.dumps(data, indent=2)
    else:
        raise ConfigError(f"config files end in .toml or .json, not {path.suffix!r}")
    return atomic_write(path, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))


def load_config(cls: type[C], path: str | os.PathLike) -> C:
    """Read a config of type ``cls`` from a ``.toml`` or ``.json`` file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read config {path}: {exc.strerror or exc}") from None
    try:
        data = tomllib.loads(text) if path.suffix == ".toml" else json.loads(text)
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
        raise ConfigError(f"config {path} is not valid {path.suffix[1:].upper()}: {exc}") from None
    return from_dict(cls, data)

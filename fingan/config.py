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

from fingan.io import atomic_write
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


def _type_name(hint: Any) -> str:
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        return " or ".join(_type_name(a) for a in typing.get_args(hint))
    if typing.get_origin(hint) is tuple:
        args = typing.get_args(hint)
        inner = f"{_type_name(args[0])}" if len(args) == 2 and args[1] is Ellipsis else ", ".join(map(_type_name, args))
        return f"a list of {inner}"
    if typing.get_origin(hint) is typing.Literal:
        return "one of " + ", ".join(repr(a) for a in typing.get_args(hint))
    if typing.get_origin(hint) is not None:
        return typing.get_origin(hint).__name__
    return "none" if hint is type(None) else getattr(hint, "__name__", str(hint))


def _fits(value: Any, hint: Any) -> bool:
    """Whether a config value has the type of its field (ints count as floats; bools are not ints)."""
    origin = typing.get_origin(hint)
    if hint is Any:
        return True
    if origin in (typing.Union, types.UnionType):
        return any(_fits(value, a) for a in typing.get_args(hint))
    if hint is type(None):
        return value is None
    if origin is tuple:
        args = typing.get_args(hint)
        if not isinstance(value, tuple):
            return False
        if len(args) == 2 and args[1] is Ellipsis:
            return all(_fits(v, args[0]) for v in value)
        return len(value) == len(args) and all(_fits(v, a) for v, a in zip(value, args))
    if origin is typing.Literal:
        return any(value == a and type(value) is type(a) for a in typing.get_args(hint))
    if origin is not None:  # list[...], dict[...]: the container only
        return isinstance(value, origin)
    if hint is bool:
        return isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if hint is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if isinstance(hint, type):
        return isinstance(value, hint)
    return True


def _default(cls: type, name: str) -> Any:
    field = next(f for f in dataclasses.fields(cls) if f.name == name)
    if field.default_factory is not dataclasses.MISSING:
        return field.default_factory()
    return None if field.default is dataclasses.MISSING else field.default


def from_dict(cls: type[C], data: dict[str, Any], base: C | None = None) -> C:
    """Build config ``cls`` from a dict; unknown keys or values of the wrong type raise ConfigError.

    Missing keys keep the defaults (or ``base``'s values). A nested table (``trainer``)
    fills in the nested config's defaults *as the outer config sets them*: a partial
    ``[trainer]`` table changes only the options it names.
    """
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
            start = getattr(base, key) if base is not None else _default(cls, key)
            value = from_dict(nested, value, base=start if isinstance(start, nested) else None)
        elif isinstance(value, list) and _is_tuple(hints[key]):
            value = tuple(value)
        if not _fits(value, hints[key]):
            raise ConfigError(f"option {key!r} of {cls.__name__} must be {_type_name(hints[key])}, "
                              f"got {type(value).__name__} {value!r}")
        kwargs[key] = value
    try:
        return dataclasses.replace(base, **kwargs) if base is not None else cls(**kwargs)
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
    except UnicodeDecodeError:
        raise ConfigError(f"config {path} is not UTF-8 text; save it as UTF-8") from None
    try:
        data = tomllib.loads(text) if path.suffix == ".toml" else json.loads(text)
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
        raise ConfigError(f"config {path} is not valid {path.suffix[1:].upper()}: {exc}") from None
    return from_dict(cls, data)

"""Configuration: YAML files under configs/ own every knob; ``key=value``
arguments on the command line override them.

Every stage declares its knobs as a dataclass (defaults included), so a typo in
a YAML file or an override is an error that names the known keys, not a
silently ignored setting. Values in overrides are parsed as YAML ("0.1" is a
float, "null" is None, "[a, b]" is a list), and dotted keys reach into nested
mappings (``split_ratios.train=0.9``); a value with "#" keeps it ("runs/exp #3"),
and a float may be written "3e-5". A mapping with an ``include: FILE`` key starts
from that YAML file (a stage's own config, e.g. ../labeler/tiny.yaml, relative to
the including file) and its other keys override it, so a pipeline config reuses
stage configs instead of copying them.
"""

from __future__ import annotations

import dataclasses
import difflib
import os
import stat
import types
import typing
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

import yaml

T = TypeVar("T")


class ConfigError(ValueError):
    """A config file or override that cannot be applied; the message says which key and why."""


MAX_YAML_NODES = 100_000  # scalars, lists and mappings of a config once aliases are expanded; real configs have hundreds


def load_yaml(text: str, where: str) -> Any:
    """``yaml.safe_load`` with a bound on what the document expands to. Aliases are
    allowed (``<<: *defaults`` is a common config idiom) but each one counts as the
    whole node it names, so a kilobyte of nested anchors (the "billion laughs") is
    refused before it is built, in one error naming ``where``; so is nesting too deep to
    read."""
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        size = _expanded_size(node, {}, where)
        if size > MAX_YAML_NODES:
            raise ConfigError(f"{where}: YAML expands to more than {MAX_YAML_NODES:,} values through its aliases (&anchor/*alias): not a config")
        return loader.construct_document(node)
    except RecursionError:
        raise ConfigError(f"{where}: YAML nested too deeply to read") from None
    finally:
        loader.dispose()


def _expanded_size(node: yaml.Node, memo: dict[int, int], where: str) -> int:
    """Values ``node`` stands for once every alias is replaced by what it names (the
    same node object reached twice counts twice), counted without expanding: each
    distinct node is visited once, stopping as soon as the count passes the bound. A
    node inside itself (``a: &a [*a]``) is refused: no config is infinite."""
    key = id(node)
    if key in memo:
        if memo[key] < 0:
            raise ConfigError(f"{where}: YAML alias inside the node it names (line {node.start_mark.line + 1}): not a config")
        return memo[key]
    memo[key] = -1  # in progress
    total = 1
    if isinstance(node, yaml.SequenceNode):
        children = node.value
    elif isinstance(node, yaml.MappingNode):
        children = [part for pair in node.value for part in pair]
    else:
        children = []
    for child in children:
        total += _expanded_size(child, memo, where)
        if total > MAX_YAML_NODES:
            break
    memo[key] = total
    return total


def parse_overrides(overrides: Sequence[str]) -> dict[str, Any]:
    """``["a.b=1", "c=x"]`` -> ``{"a": {"b": 1}, "c": "x"}``."""
    result: dict[str, Any] = {}
    for item in overrides:
        key, sep, raw = item.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"override {item!r} is not key=value")
        try:
            value = load_yaml(raw, f"override {item!r}") if raw.strip() else ""
        except yaml.YAMLError as exc:
            raise ConfigError(f"override {item!r}: value is not valid YAML ({exc})") from None
        if "#" in raw and (value is None or isinstance(value, str)):
            value = raw.strip()  # "runs/exp #3" is a path, not "runs/exp" and a YAML comment
        node = result
        parts = key.strip().split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise ConfigError(f"override {item!r}: {part!r} is set both as a value and as a mapping")
        node[parts[-1]] = value
    return result


def deep_merge(base: Mapping[str, Any], update: Mapping[str, Any]) -> dict[str, Any]:
    """``update`` over ``base``; nested mappings merge, everything else replaces."""
    merged = dict(base)
    for key, value in update.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


MAX_CONFIG_BYTES = 1 << 20  # a config is a few kilobytes; more is not a config


def read_yaml(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The mapping of one YAML config file (an ``include:`` target too). Only a regular
    file of at most ``MAX_CONFIG_BYTES`` is read: ``/dev/zero`` would fill memory and a
    FIFO would block forever."""
    path = Path(path)
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise ConfigError(f"config file {path} does not exist") from None
    except OSError as exc:
        raise ConfigError(f"config file {path} cannot be read: {exc.strerror or exc}") from None
    if not stat.S_ISREG(info.st_mode):
        kind = "a directory" if stat.S_ISDIR(info.st_mode) else "a FIFO" if stat.S_ISFIFO(info.st_mode) else "a device or socket"
        raise ConfigError(f"config file {path} is not a regular file ({kind}): give a YAML file")
    if info.st_size > MAX_CONFIG_BYTES:
        raise ConfigError(f"config file {path} has {info.st_size} bytes; a config is at most {MAX_CONFIG_BYTES}")
    try:
        data = load_yaml(path.read_text(encoding="utf-8"), f"config file {path}")
    except FileNotFoundError:
        raise ConfigError(f"config file {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"config file {path} cannot be read: {exc}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"config file {path} is not valid YAML: {exc}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"config file {path} must hold a mapping at the top, got {type(data).__name__}")
    return data


INCLUDE_KEY = "include"


def include_path(target: str, base_dir: str | os.PathLike[str] | None) -> Path:
    """Where ``include: target`` points: relative to the including file's folder, else
    (configs written before includes were relative) to the working directory."""
    path = Path(target)
    if path.is_absolute() or base_dir is None:
        return path
    beside = Path(base_dir) / path
    return beside if beside.exists() or not path.exists() else path


def resolve_includes(data: Any, seen: tuple[str, ...] = (), base_dir: str | os.PathLike[str] | None = None) -> Any:
    """Replace every mapping holding ``include: FILE`` by FILE's mapping with the
    mapping's other keys merged over it (recursively; a cycle is an error). FILE is
    relative to the folder of the file that includes it (``base_dir``)."""
    if not isinstance(data, Mapping):
        return data
    data = {k: resolve_includes(v, seen, base_dir) for k, v in data.items()}
    if INCLUDE_KEY in data:
        path = include_path(str(data.pop(INCLUDE_KEY)), base_dir)
        key = str(path.resolve()) if path.exists() else str(path)
        if key in seen:
            raise ConfigError(f"config include cycle: {' -> '.join((*seen, key))}")
        data = deep_merge(resolve_includes(read_yaml(path), (*seen, key), path.parent), data)
    return data


def check_type(key: str, value: Any, hint: Any) -> Any:
    """Light type check with the coercions YAML users expect (int where float is asked)."""
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if hint is Any:
        return value
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        errors = []
        for arg in args:
            if arg is type(None):
                continue
            try:
                return check_type(key, value, arg)
            except ConfigError as exc:
                errors.append(str(exc))
        raise ConfigError(errors[0] if errors else f"{key}: bad value {value!r}")
    if origin is typing.Literal:
        if value not in args:
            raise ConfigError(f"{key}: {value!r} is not one of {list(args)}")
        return value
    if origin in (dict, Mapping):
        if not isinstance(value, Mapping):
            raise ConfigError(f"{key}: expected a mapping, got {value!r}")
        return {k: check_type(f"{key}.{k}", v, args[1]) if args else v for k, v in value.items()}
    if origin in (list, tuple, Sequence):
        if not isinstance(value, (list, tuple)):
            raise ConfigError(f"{key}: expected a list, got {value!r}")
        return [check_type(f"{key}[]", v, args[0]) if args else v for v in value]
    if hint is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if hint is float and isinstance(value, str):
        try:  # YAML 1.1 reads "3e-5" (no dot) as a string
            return float(value)
        except ValueError:
            raise ConfigError(f"{key}: expected float, got {value!r}") from None
    if isinstance(hint, type) and not isinstance(value, hint) or (hint in (int, float) and isinstance(value, bool)):
        raise ConfigError(f"{key}: expected {getattr(hint, '__name__', hint)}, got {value!r}")
    return value


def _sections(cls: type) -> dict[str, type]:
    """The fields of ``cls`` that are config sections of their own (``training``, ``settings``)."""
    hints = typing.get_type_hints(cls)
    return {f.name: hints[f.name] for f in dataclasses.fields(cls) if dataclasses.is_dataclass(hints[f.name])}  # type: ignore[arg-type]


def _section_takes(section: type, key: str) -> bool:
    """Whether ``section`` has ``key``, as a field or through its ``check_extra`` (the
    ``training`` section takes every TrainingArguments field)."""
    if key in {f.name for f in dataclasses.fields(section)}:  # type: ignore[arg-type]
        return True
    check = getattr(section, "check_extra", None)
    if getattr(section, "__config_extra__", None) and check is not None:
        try:
            check(key, None)
        except ConfigError as exc:
            return "unknown config key" not in str(exc)
        except (TypeError, ValueError):
            return True
        return True
    return False


def _nest_section_keys(cls: type, data: Mapping[str, Any], prefix: str) -> Mapping[str, Any]:
    """A top-level key that only one section has goes into it (``learning_rate=3e-5`` ->
    ``training.learning_rate``, as HF users write ``--learning_rate``); a key several
    sections have is an error naming them."""
    names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    moved = dict(data)
    for key in [k for k in data if k not in names]:
        homes = [name for name, section in _sections(cls).items() if _section_takes(section, key)]
        if len(homes) > 1:
            raise ConfigError(f"config key '{prefix}{key}' is ambiguous: write one of {', '.join(f'{prefix}{h}.{key}' for h in homes)}")
        if homes:
            section = dict(moved.get(homes[0]) or {})
            section[key] = moved.pop(key)  # written at the top (an override, a --flag): it wins
            moved[homes[0]] = section
    return moved


def _nested_keys(cls: type, depth: int = 2) -> list[str]:
    """Dotted names of the keys inside ``cls``'s sections, ``depth`` levels down."""
    out = []
    for name, section in _sections(cls).items():
        out += [f"{name}.{f.name}" for f in dataclasses.fields(section)]  # type: ignore[arg-type]
        if depth > 1:
            out += [f"{name}.{k}" for k in _nested_keys(section, depth - 1)]
    return out


def _suggest(cls: type, key: str, prefix: str) -> str:
    """"did you mean ...? " for an unknown key: close names of the sections' keys first
    (``training.learning_rate`` before ``encoder_learning_rate``), then of the top level."""
    nested = _nested_keys(cls)
    close = difflib.get_close_matches(key, [n.rsplit(".", 1)[1] for n in nested], n=2, cutoff=0.8)
    hits = [n for n in nested if n.rsplit(".", 1)[1] in close][:3]
    hits += [h for h in difflib.get_close_matches(key, sorted(f.name for f in dataclasses.fields(cls)), n=3) if h not in hits]  # type: ignore[arg-type]
    return f"did you mean {', '.join(prefix + h for h in hits[:4])}? " if hits else ""


def _apply_aliases(cls: type, data: Mapping[str, Any], prefix: str) -> Mapping[str, Any]:
    """Keys a class takes under another name (``__config_aliases__``: HF's
    ``num_train_epochs`` for ``epochs``) renamed to its own. The alias wins over the
    name: it is only ever written on purpose (a ``--num_train_epochs`` flag), while the
    name also holds the recipe's default; two aliases of one name are an error."""
    aliases: Mapping[str, str] = getattr(cls, "__config_aliases__", {})
    given = [k for k in data if k in aliases]
    if not given:
        return data
    renamed = dict(data)
    for alias in given:
        twins = [k for k in given if aliases[k] == aliases[alias] and k != alias]
        if twins:
            raise ConfigError(f"{prefix}{alias} and {prefix}{twins[0]} both set {prefix}{aliases[alias]}: give one")
        renamed[aliases[alias]] = renamed.pop(alias)
    return renamed


def from_dict(cls: type[T], data: Mapping[str, Any], prefix: str = "") -> T:
    """Build dataclass ``cls`` from ``data``; unknown keys and wrong types raise ConfigError."""
    fields = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    data = _apply_aliases(cls, data, prefix)
    extra = getattr(cls, "__config_extra__", None)  # a dict field that takes the keys the class does not name
    if not extra:
        data = _nest_section_keys(cls, data, prefix)
    unknown = sorted(set(data) - set(fields))
    if unknown and not extra:
        raise ConfigError(f"unknown config key '{prefix}{unknown[0]}'; {_suggest(cls, unknown[0], prefix)}known keys: {', '.join(sorted(fields))}")
    hints = typing.get_type_hints(cls)
    kwargs: dict[str, Any] = {}
    if unknown and extra:
        check = getattr(cls, "check_extra", lambda key, value: value)  # validates with the full dotted key
        kwargs[extra] = {k: check(prefix + k, v) for k, v in {**dict(data.get(extra) or {}), **{k: data[k] for k in unknown}}.items()}
        data = {k: v for k, v in data.items() if k not in unknown and k != extra}
    for name, value in data.items():
        hint = hints[name]
        if dataclasses.is_dataclass(hint) and isinstance(hint, type):
            if not isinstance(value, Mapping):
                raise ConfigError(f"{prefix}{name}: expected a mapping, got {value!r}")
            kwargs[name] = from_dict(hint, deep_merge(_default_dict(fields[name]), dict(value)), prefix=f"{prefix}{name}.")
        else:
            kwargs[name] = check_type(prefix + name, value, hint)
    return cls(**kwargs)


def _default_dict(f: dataclasses.Field) -> dict[str, Any]:
    """The keys of a section's own default (a recipe's ``training`` defaults differ from
    ``TrainingConfig``'s), so that overriding one key keeps the others."""
    if f.default_factory is not dataclasses.MISSING:  # type: ignore[misc]
        default = f.default_factory()  # type: ignore[misc]
    elif f.default is not dataclasses.MISSING:
        default = f.default
    else:
        return {}
    return dataclasses.asdict(default) if dataclasses.is_dataclass(default) else {}


def load_config(cls: type[T], path: str | os.PathLike[str] | None = None, overrides: Sequence[str] = ()) -> T:
    """The config of type ``cls``: its defaults, then the YAML file at ``path``, then ``overrides``."""
    data = read_yaml(path) if path else {}
    return from_dict(cls, resolve_includes(deep_merge(data, parse_overrides(overrides)), base_dir=Path(path).parent if path else None))


def to_dict(config: Any) -> dict[str, Any]:
    """Plain dict of a config dataclass, for saving next to what it produced."""
    return dataclasses.asdict(config)


# ---------------------------------------------------------------- shipped configs
CONFIG_KINDS = ("classifier", "summarizer", "dataset", "inference", "pipeline", "serve")


def shipped_configs_dir() -> Path:
    """The configs shipped with vnnews (the repository's configs/, installed with the package)."""
    from importlib import resources

    return Path(str(resources.files("vnnews") / "resources" / "configs"))


def list_configs(kind: str | None = None) -> list[str]:
    """The shipped configs as ``kind/name`` (``classifier/tiny``), sorted."""
    root = shipped_configs_dir()
    kinds = [kind] if kind else CONFIG_KINDS
    return sorted(f"{k}/{p.stem}" for k in kinds for p in (root / k).glob("*.yaml"))


def shipped_config(name: str, kind: str | None = None) -> Path:
    """The shipped config called ``name``: ``kind/name`` or, where ``kind`` is known (the
    command's), ``name`` alone (``tiny`` for ``vnnews train classifier`` is classifier/tiny).
    A bare name that several kinds have is an error listing them."""
    stem = name.removesuffix(".yaml")
    if "/" in stem:
        wanted = [stem]
    elif kind is not None:
        wanted = [f"{kind}/{stem}"]
    else:
        wanted = [c for c in list_configs() if c.endswith(f"/{stem}")]
        if len(wanted) > 1:
            raise ConfigError(f"config {name!r} is shipped for several commands: {', '.join(wanted)}; name one")
    path = shipped_configs_dir() / f"{wanted[0]}.yaml" if wanted else None
    if path is None or not path.is_file():
        choices = ", ".join(list_configs(kind)) or "none"
        raise ConfigError(f"no config file {name!r} and no shipped config of that name; shipped: {choices} (vnnews config list)")
    return path


def config_path(value: str | os.PathLike[str] | None, kind: str) -> Path | None:
    """What ``--config VALUE`` names for a command of ``kind``: a file, else a shipped config."""
    if value is None:
        return None
    path = Path(value)
    if path.exists() or path.suffix in (".yaml", ".yml") and os.sep in str(value):
        return path
    return shipped_config(str(value), kind)

"""YAML loading that remembers where every mapping key and list item came from.

PyYAML's composer already knows line and column of each node; the standard
constructors drop them. These subclasses keep them so that a rule error can be
reported as ``file:line:col``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml


@dataclass(frozen=True, slots=True)
class Loc:
    path: str
    line: int  # 1-based
    col: int   # 1-based

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}"


class LocatedDict(dict):
    """A dict with ``loc`` (its own position) and ``key_locs`` / ``value_locs`` per key."""

    loc: Loc
    key_locs: dict
    value_locs: dict


class LocatedList(list):
    """A list with ``loc`` and ``item_locs``."""

    loc: Loc
    item_locs: list


class DuplicateKey(yaml.YAMLError):
    def __init__(self, key: str, loc: Loc) -> None:
        super().__init__(f"duplicate key {key!r}")
        self.key, self.loc = key, loc


def _loc(path: str, node: yaml.Node) -> Loc:
    return Loc(path, node.start_mark.line + 1, node.start_mark.column + 1)


def load_located(stream: str, path: str) -> Any:
    """Parse one YAML document; mappings and sequences come back located."""

    class Loader(yaml.SafeLoader):
        pass

    def construct_mapping(loader: Loader, node: yaml.MappingNode) -> LocatedDict:
        loader.flatten_mapping(node)
        out = LocatedDict()
        out.loc, out.key_locs, out.value_locs = _loc(path, node), {}, {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if key in out:
                raise DuplicateKey(str(key), _loc(path, key_node))
            out[key] = loader.construct_object(value_node, deep=True)
            out.key_locs[key] = _loc(path, key_node)
            out.value_locs[key] = _loc(path, value_node)
        return out

    def construct_sequence(loader: Loader, node: yaml.SequenceNode) -> LocatedList:
        out = LocatedList(loader.construct_object(child, deep=True) for child in node.value)
        out.loc = _loc(path, node)
        out.item_locs = [_loc(path, child) for child in node.value]
        return out

    Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, construct_mapping)
    Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, construct_sequence)
    return yaml.load(stream, Loader=Loader)  # noqa: S506 - SafeLoader subclass


def loc_of(obj: Any, key: Any = None, default: Loc | None = None) -> Loc | None:
    """Where ``obj[key]`` (or ``obj`` itself) was written, when known."""
    if key is not None:
        if isinstance(obj, LocatedDict) and key in obj.key_locs:
            return obj.key_locs[key]
        if isinstance(obj, LocatedList) and isinstance(key, int) and key < len(obj.item_locs):
            return obj.item_locs[key]
    return getattr(obj, "loc", default)

"""PyYAML with positions: every mapping and sequence knows where its keys and items were written.

Anchors, aliases and merge keys (``<<``) are PyYAML's own: a merged key keeps the position
where the anchor wrote it. Positions are 1-based (line, column), as findings report them.
A syntax error is returned as data (``YamlError``), never raised.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import yaml

Pos = tuple[int, int]

_Base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class LMap(dict[Any, Any]):
    """A mapping with the position of itself, of each key and of each value."""

    pos: Pos = (1, 1)
    key_pos: dict[Any, Pos]
    val_pos: dict[Any, Pos]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.key_pos = {}
        self.val_pos = {}

    def where(self, key: Any) -> Pos:
        """The value's position, else the key's, else the mapping's own."""
        return self.val_pos.get(key) or self.key_pos.get(key) or self.pos


class LList(list[Any]):
    """A sequence with the position of itself and of each item."""

    pos: Pos = (1, 1)
    item_pos: list[Pos]

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.item_pos = []

    def where(self, index: int) -> Pos:
        return self.item_pos[index] if index < len(self.item_pos) else self.pos


def _pos(node: yaml.Node) -> Pos:
    return (node.start_mark.line + 1, node.start_mark.column + 1)


class Loader(_Base):  # type: ignore[misc]
    """SafeLoader (libyaml's when present) building LMap and LList.

    Booleans are YAML 1.2's, as compose-go reads them: ``yes``, ``on`` and ``off`` stay strings.
    """


_BOOL = "tag:yaml.org,2002:bool"
Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != _BOOL]
    for first, resolvers in _Base.yaml_implicit_resolvers.items()
}
Loader.add_implicit_resolver(_BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))


def _construct_map(loader: Any, node: yaml.MappingNode) -> Iterator[LMap]:
    data = LMap()
    data.pos = _pos(node)
    yield data
    loader.flatten_mapping(node)
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            key = str(key)
        data[key] = loader.construct_object(value_node, deep=False)
        data.key_pos[key] = _pos(key_node)
        data.val_pos[key] = _pos(value_node)


def _construct_seq(loader: Any, node: yaml.SequenceNode) -> Iterator[LList]:
    data = LList()
    data.pos = _pos(node)
    yield data
    for child in node.value:
        data.append(loader.construct_object(child, deep=False))
        data.item_pos.append(_pos(child))


Loader.add_constructor("tag:yaml.org,2002:map", _construct_map)
Loader.add_constructor("tag:yaml.org,2002:seq", _construct_seq)
# Compose and Kubernetes read timestamps as strings: keep them so.
Loader.add_constructor("tag:yaml.org,2002:timestamp", Loader.construct_yaml_str)


@dataclass(frozen=True)
class Document:
    data: Any
    #: Where the document starts (its first node), 1-based.
    pos: Pos


@dataclass(frozen=True)
class YamlError:
    line: int
    column: int
    problem: str


def load_all(text: str) -> tuple[list[Document], YamlError | None]:
    """Every document up to the first syntax error, and that error if there is one."""
    loader = Loader(text)
    docs: list[Document] = []
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                continue
            docs.append(Document(loader.construct_document(node), _pos(node)))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        return docs, YamlError(line, column, str(exc.problem or exc.context or "invalid YAML"))
    except yaml.YAMLError as exc:
        return docs, YamlError(1, 1, str(exc).splitlines()[0] if str(exc) else "invalid YAML")
    finally:
        loader.dispose()
    return docs, None


def load_one(text: str) -> tuple[Any, YamlError | None]:
    docs, error = load_all(text)
    return (docs[0].data if docs else None), error

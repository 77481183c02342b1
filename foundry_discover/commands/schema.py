"""``schema``: the JSON Schema of every ``--json`` document, for consumers to validate against."""

from __future__ import annotations


def show() -> int:
    from foundry_discover.render import schema

    schema.show()
    return 0

"""`foundry-discover schema`: the JSON Schema of the --json envelope and of every command's result."""

# No `from __future__ import annotations`: Typer reads the parameters' annotations with
# get_type_hints, which would compile and evaluate every string at each start-up.

from foundry_discover.cli.options import run_command

HELP = """Print the JSON Schema (draft 2020-12) of every --json document.

It covers the versioned envelope, each command's result and the error object. Its $id
ends in the envelope's schema_version: a new version only when a key is removed or
changes meaning. Result objects may gain keys, so ignore keys you do not know.

Exit 0, or 2 for a bad flag.

Examples:

    foundry-discover schema > schema.json
    foundry-discover doctor --json > doctor.json
    check-jsonschema --schemafile schema.json doctor.json
"""


def schema() -> None:
    def action() -> int:
        from foundry_discover.commands import schema as command

        return command.show()

    run_command("schema", False, action)

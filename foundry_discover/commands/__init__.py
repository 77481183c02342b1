"""The command actions: what each command does, knowing no CLI framework.

Each action takes plain values (the registry, a deadline, the options as arguments),
calls the checks or doctor, hands the result to ``render`` and returns the exit code.
The Typer commands in ``cli/`` only parse flags and call these inside
``lite.boundary.guarded``; the healthcheck's hand parser (``lite.quick``) calls the same
ones. A new command is a module here, a thin Typer function in ``cli/``, and a renderer
in ``render/``.
"""

"""Docker-aware diagnosis: what `docker compose ps` and `docker network inspect` would show.

One small module per job. ``endpoint`` (where the Engine API is), ``facts`` (parsing
its JSON) and ``verdicts`` (the rules) use the standard library only; ``api`` (HTTP/1.1 on a socket, ``http1``)
and ``lookup`` (the requests) are imported only once an endpoint exists, so a doctor
run with no Docker API imports nothing that talks to Docker.
"""

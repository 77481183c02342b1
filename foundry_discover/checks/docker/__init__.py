"""Docker-aware diagnosis: what `docker compose ps`, `docker network inspect` and `docker logs` would show.

One small module per job. ``endpoint`` (where the Engine API is), ``facts`` (parsing
its JSON) and ``verdicts`` (the rules) use the standard library only, as do ``logs`` (the
logs stream and its bounds), ``mask`` (secrets out of log lines), ``causes`` (why a
container stopped) and ``similar`` (names near a host); ``api`` (HTTP/1.1 on a socket,
``http1``) and ``lookup`` (the requests) are imported only once an endpoint exists, so a
doctor run with no Docker API imports nothing that talks to Docker.
"""

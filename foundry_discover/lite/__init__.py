"""The healthcheck tier: what ``health NAME`` and an application's ``import`` run on.

A Docker healthcheck runs ``foundry-discover health NAME`` every few seconds in every
container, and applications import the registry at start-up, so these modules obey
start-up rules that the rest of the package does not:

* the standard library only, and of it nothing costly at import time: no ``typing``,
  ``dataclasses``, ``enum``, ``re``, ``pathlib``, ``ipaddress``, ``threading``,
  ``socket`` or ``json`` at module level (``_socket``/``_thread`` instead; the rest
  imported inside the rare path that needs it);
* annotations only under ``TYPE_CHECKING = False`` (with ``from __future__ import
  annotations`` they are never evaluated);
* models are ``base.Record`` classes (fields as annotations, as a dataclass has them), not dataclasses.

ruff's TID253 (banned module-level imports, ``pyproject.toml``) enforces the list here
and only here, and ``tests/test_health_imports.py`` runs ``health NAME`` under ``python
-X importtime`` to show what it really imports.

The entry (``main``, ``quick``, ``boundary``) may reach up into the rest of the package,
lazily, for the commands it hands on; every other module here imports only this tier.
"""

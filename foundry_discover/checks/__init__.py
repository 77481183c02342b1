"""The checks: each one asks one thing of the system and returns a result model, never printing.

``runtime`` (where we run), ``environment`` and ``envcheck`` (what the environment says),
``service`` and ``httpget`` (a service's protocol, HTTP), ``emulator`` (LocalStack,
MiniStack), ``aws`` (Secrets Manager), ``dns`` (the name walk), ``docker`` (the Engine
API), ``proxy`` (the HTTP route an application's client takes: proxies, NO_PROXY, CA
bundles). They import the healthcheck tier (``lite``) and ``util`` only; doctor and the
commands above combine them.
"""

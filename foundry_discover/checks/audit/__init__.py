"""``audit``: a static check of a repository's contract with the registry.

No network, no Docker daemon, no cluster: files only. One module per job:

- ``findings``: the rule catalogue (stable ids, severities, fixes) and the finding model;
- ``discover``: which files to read, honouring ``.gitignore`` and vendored folders;
- ``yamlpos``: PyYAML with line and column kept on every mapping and sequence;
- ``interpolate`` and ``dotenv``: Compose's ``${VAR}`` forms and its ``.env`` format;
- ``compose`` and ``compose_merge``: the Compose model as compose-go builds it;
- ``kube``: Kubernetes manifests (Services, pod templates, their env);
- ``code``: the Python AST rules; ``compose_rules``, ``kube_rules``, ``cross``: the others;
- ``ignores``: inline ``# foundry-discover: ignore[RULE]``, ``--select`` and ``--ignore``;
- ``run``: ties them together into one ``AuditReport``.
"""

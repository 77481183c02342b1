"""doctor: walk the whole chain for every service and stop at the first broken link.

The seed's chain: the registry gives a URL, DNS resolves the name, a connection reaches
the container, the service answers, and (for LocalStack in development) an AWS call
succeeds. Each service walks it in order; the first failing step carries the cause and
one fix, and the steps after it are skipped, not failed.

``model`` (the report), ``choose`` (which services), ``steps`` and ``aws`` (one
service's walk), ``route`` (the protocol step again along the application's route when a
proxy is on it), ``docker`` (the Engine API's facts folded into the failures), ``run``
(all of them under one deadline, and ``--wait``), ``verdict`` (the exit code and the
one line). The checks themselves live in ``checks/`` and ``lite/``; doctor adds the
order, the per-address connect and the verdict.
"""

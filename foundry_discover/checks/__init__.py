"""The checks: each one asks one thing of the system and returns a result model, never printing.

``runtime`` (where we run), ``environment`` and ``envcheck`` (what the environment says),
``kube`` (Kubernetes Services as a pod sees them: ClusterIPs, endpoints, Services gone),
``loopback`` (addresses that lead back into this container), ``connect_order`` (what the
application's in-order connect does with several addresses), ``service`` and ``httpget`` (a
service's protocol, HTTP), ``emulator`` (LocalStack, MiniStack, moto), ``aws`` (Secrets
Manager), ``dns`` (the name walk), ``docker`` (the Engine API), ``proxy`` (the HTTP route an
application's client takes: proxies, NO_PROXY, CA bundles). They import the healthcheck
tier (``lite``) and ``util`` only; doctor and the commands above combine them.
"""

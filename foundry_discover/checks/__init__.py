"""The checks: each one asks one thing of the system and returns a result model, never printing.

``runtime`` (where we run), ``environment`` and ``envcheck`` (what the environment says),
``kube`` (Kubernetes Services as a pod sees them: ClusterIPs, endpoints, Services gone),
``service`` and ``httpget`` (a service's protocol, HTTP), ``emulator`` (LocalStack,
MiniStack, moto), ``aws`` (Secrets Manager), ``dns`` (the name walk), ``docker`` (the Engine
API). They import the healthcheck tier (``lite``) and ``util`` only; doctor and the
commands above combine them.
"""

"""foundry-discover: find, resolve and check the services of a Compose or Kubernetes stack.

Only the version lives here: `import foundry_discover.registry` must stay as light as
the standard library, so this file imports nothing.
"""

__version__ = "0.1.0"

"""The HTTP route an application's client takes: direct, or through a proxy, and why.

Proxies come from the environment (``HTTP_PROXY``, ``https_proxy``, ``NO_PROXY``, ...),
which Docker's client config, CI runners and corporate images set for every process.
Two rule books read them, and they disagree:

* urllib's (``getproxies_environment``, ``proxy_bypass_environment``), which botocore uses
  for every AWS call (``botocore.utils.get_environ_proxies``);
* httpx's (``get_environment_proxies`` and ``URLPattern``), the client of our own checks
  and of many applications.

``environ`` reads the variables as both do (lower case wins; an empty lower-case one
hides the upper-case one), ``urllib_rules`` and ``httpx_rules`` (with ``httpx_url``,
httpx's URL parsing) decide one URL's route, ``route`` is the model both return and the
fix (the ``NO_PROXY`` entry to add), ``replies`` names a reply that came from a proxy,
``through`` is doctor's GET along the application's route, and ``cabundle`` the CA
bundle variables for https endpoints. Everything but ``through`` is pure: it reads a
mapping and sends nothing.
"""

"""Where a name leads and why: the application's getaddrinfo beside a DNS trace of glibc's walk.

``inputs`` (resolv.conf, the hosts file, nsswitch), ``lookup`` (getaddrinfo), ``ask``
(one DNS query), ``walk`` (the search list and ndots, as glibc does it), ``verdict``
(what went wrong), ``report`` (all of it for one name), ``explain`` (doctor's one-line
cause and fix), ``model`` and ``conf``.
"""

"""The Kubernetes rules: consumers' hosts and ports against the Services, selectors and links."""

from __future__ import annotations

import difflib
import ipaddress

from foundry_discover.checks.audit.context import Context, host_var_name
from foundry_discover.checks.audit.findings import Finding, Loc
from foundry_discover.checks.audit.kube import Container, KubeModel, KubeService, PodTemplate
from foundry_discover.lite.values import port_var


def _link_prefix(service: str) -> str:
    """The kubelet's variable prefix for a Service: upper case, '-' as '_'."""
    return service.upper().replace("-", "_")


def split_host(host: str, namespace: str) -> tuple[str, str] | None:
    """(Service, namespace) a name means to cluster DNS from ``namespace``, or None (external)."""
    name = host.rstrip(".").lower()
    try:
        ipaddress.ip_address(name)
        return None
    except ValueError:
        pass
    labels = name.split(".")
    if len(labels) == 1:
        return labels[0], namespace
    if len(labels) == 2 or labels[2] == "svc":
        return labels[0], labels[1]
    return None


def is_consumer(container: Container, ctx: Context) -> bool:
    """A container that reads the registry: it sets a registry variable of some service."""
    names = set(ctx.specs)
    for variable in container.env:
        if host_var_name(variable) is not None:
            return True
        if variable.endswith("_PORT") and variable[: -len("_PORT")] in names:
            return True
    return False


class _Checker:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.model: KubeModel = ctx.kube
        self.findings: list[Finding] = []
        self.namespaces = {s.namespace for s in self.model.services}

    def run(self) -> list[Finding]:
        for pod in self.model.pods:
            for container in pod.containers:
                if is_consumer(container, self.ctx):
                    self.consumer(pod, container)
                    self.links(pod, container)
        for service in self.model.services:
            self.selector(service)
        return self.findings

    def resolve(self, host: str, namespace: str) -> KubeService | bool | None:
        """The Service, None when it names none, False when the audit cannot tell."""
        where = split_host(host, namespace)
        if where is None or where[1] not in self.namespaces:
            return False
        return self.model.services_in(where[1]).get(where[0])

    def consumer(self, pod: PodTemplate, container: Container) -> None:
        for name, spec in self.ctx.specs.items():
            var = container.env.get(f"SVC_{name}_HOST")
            host = var.value.strip() if var is not None and var.value else (spec.host if var is None else "")
            if not host:
                continue
            service = self.resolve(host, pod.namespace)
            if service is False:
                continue
            if service is None:
                if var is None:
                    continue  # the default host: this consumer may not use that service at all
                where = split_host(host, pod.namespace)
                ns = where[1] if where else pod.namespace
                known = list(self.model.services_in(ns))
                close = difflib.get_close_matches(host.split(".")[0], known, n=1, cutoff=0.6)
                hint = f" (did you mean {close[0]}?)" if close else ""
                self.findings.append(
                    var.value_loc.finding(
                        "FD301",
                        f"SVC_{name}_HOST={host} in {pod.owner} names no Service in namespace {ns}{hint}",
                        f"Set SVC_{name}_HOST={close[0] if close else spec.host or name.lower()}",
                    )
                )
                continue
            assert isinstance(service, KubeService)
            self.port(pod, container, name, service, var.value_loc if var else None)

    def port(
        self, pod: PodTemplate, container: Container, name: str, service: KubeService, host_loc: Loc | None
    ) -> None:
        variable = port_var(name)
        written = container.env.get(variable)
        spec = self.ctx.specs[name]
        if written is not None and written.value is not None:
            if not written.value.strip().isdigit():
                return
            port, loc, said = int(written.value), written.value_loc, f"{variable}={written.value.strip()}"
        elif spec.port is not None and host_loc is not None:
            port, loc, said = spec.port, host_loc, f"{variable} is not set, so the registry's default {spec.port}"
        else:
            return
        served = [p.port for p in service.ports]
        if not served or port in served:
            return
        self.findings.append(
            loc.finding(
                "FD302",
                f"{said} in {pod.owner}, but Service {service.name} serves port {', '.join(map(str, served))}",
                f"Set {variable}={served[0]}, or give Service {service.name} port {port}",
            )
        )

    def links(self, pod: PodTemplate, container: Container) -> None:
        if not pod.enable_service_links:
            return
        for service in self.model.services_in(pod.namespace).values():
            prefix = _link_prefix(service.name)
            if prefix not in self.ctx.specs or f"{prefix}_PORT" in container.env:
                continue
            first = service.ports[0].port if service.ports else 0
            variable = f"{prefix}_PORT"
            self.findings.append(
                container.loc.finding(
                    "FD305",
                    f"Service {service.name} in namespace {pod.namespace} makes the kubelet inject "
                    f"{variable}=tcp://<cluster-ip>:{first} into container {container.name} of {pod.owner}; "
                    f"the registry's int({variable}) crashes at start",
                    f'Set {variable}: "{first or self.ctx.specs[prefix].port}" in its env, '
                    "or enableServiceLinks: false in the pod spec",
                )
            )

    def selected(self, service: KubeService) -> list[PodTemplate] | None:
        pods = [p for p in self.model.pods if p.namespace == service.namespace]
        if not service.selector or not pods:
            return None
        return [p for p in pods if all(p.labels.get(k) == v for k, v in service.selector.items())]

    def selector(self, service: KubeService) -> None:
        pods = self.selected(service)
        if pods is None:
            return
        if not pods:
            shown = ", ".join(f"{k}={v}" for k, v in service.selector.items())
            self.findings.append(
                service.selector_loc.finding(
                    "FD303",
                    f"Service {service.name}'s selector {shown} matches no pod template "
                    f"in namespace {service.namespace}",
                    "Make the selector match the labels of the pods that serve it (spec.template.metadata.labels)",
                )
            )
            return
        containers = [c for p in pods for c in p.containers]
        numbers = {n for c in containers for n in c.ports}
        names = {n for c in containers for n in c.port_names}
        for port in service.ports:
            target = port.target if port.target is not None else port.port
            if isinstance(target, str) and not target.isdigit():
                missing = target not in names
            else:
                missing = bool(numbers) and int(target) not in numbers
            if missing:
                declared = ", ".join(sorted([*map(str, numbers), *names])) or "none"
                self.findings.append(
                    port.target_loc.finding(
                        "FD304",
                        f"Service {service.name} port {port.port} targets {target}, "
                        f"which no selected container declares (declared: {declared})",
                        "Set targetPort to a containerPort (or its name) of the selected pods",
                    )
                )


def check_kube(ctx: Context) -> list[Finding]:
    return _Checker(ctx).run()

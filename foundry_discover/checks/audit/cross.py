"""The rule across both: one service, one name and one port, in Compose and in Kubernetes."""

from __future__ import annotations

from foundry_discover.checks.audit.compose_rules import listen_ports
from foundry_discover.checks.audit.context import Context
from foundry_discover.checks.audit.findings import Finding, Loc
from foundry_discover.checks.audit.kube_rules import is_consumer
from foundry_discover.lite.values import port_var


def _compose_values(ctx: Context, variable: str) -> dict[str, Loc]:
    out: dict[str, Loc] = {}
    for project in ctx.compose:
        for svc in project.services.values():
            value = svc.environment.get(variable)
            if value is not None and value.text and value.text.strip():
                out.setdefault(value.text.strip(), value.loc)
    return out


def _kube_values(ctx: Context, variable: str) -> dict[str, Loc]:
    out: dict[str, Loc] = {}
    for pod in ctx.kube.pods:
        for container in pod.containers:
            var = container.env.get(variable)
            if var is not None and var.value and var.value.strip() and is_consumer(container, ctx):
                out.setdefault(var.value.strip(), var.value_loc)
    return out


def _short(host: str) -> str:
    return host.rstrip(".").split(".")[0].lower()


def _same_name_ports(ctx: Context) -> list[Finding]:
    """A Compose service and a Kubernetes Service of one name must serve one port."""
    findings: list[Finding] = []
    compose = {name: svc for project in ctx.compose for name, svc in project.services.items()}
    for service in ctx.kube.services:
        target = compose.get(service.name)
        if target is None or not service.ports:
            continue
        ports = listen_ports(target)[0]
        served = {p.port for p in service.ports}
        if ports and not ports & served:
            listens = ", ".join(map(str, sorted(ports)))
            findings.append(
                service.ports[0].loc.finding(
                    "FD401",
                    f"Service {service.name} serves port {', '.join(map(str, sorted(served)))} in Kubernetes, "
                    f"but {service.name} listens on {listens} in Compose ({target.loc.file}:{target.loc.line})",
                    f"Give Service {service.name} port {min(ports)}, the port Compose's {service.name} listens on",
                )
            )
    return findings


def check_cross(ctx: Context) -> list[Finding]:
    if not ctx.compose or not ctx.kube.services:
        return []
    findings = _same_name_ports(ctx)
    if not ctx.kube.pods:
        return findings
    for name in ctx.specs:
        for variable, norm in ((f"SVC_{name}_HOST", _short), (port_var(name), str.strip)):
            compose = _compose_values(ctx, variable)
            kube = _kube_values(ctx, variable)
            if not compose or not kube:
                continue
            compose_short = {norm(v) for v in compose}
            for value, loc in kube.items():
                if norm(value) in compose_short:
                    continue
                other, where = next(iter(compose.items()))
                what = "name" if variable.endswith("_HOST") else "port"
                findings.append(
                    loc.finding(
                        "FD401",
                        f"{variable}={value} in Kubernetes, but {variable}={other} in Compose "
                        f"({where.file}:{where.line}): the {what} differs",
                        f"Use one {what} in both, e.g. {variable}={other}",
                    )
                )
    return findings

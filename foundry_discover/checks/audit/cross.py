"""The rule across both: one service, one name and one port, in Compose and in Kubernetes."""

from __future__ import annotations

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


def check_cross(ctx: Context) -> list[Finding]:
    if not ctx.compose or not ctx.kube.pods:
        return []
    findings: list[Finding] = []
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

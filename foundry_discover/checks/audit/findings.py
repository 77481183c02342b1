"""The rule catalogue and the finding model: what ``render`` words and SARIF describes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    severity: Severity
    summary: str
    #: The fix in general terms; a finding's own fix names its variables and values.
    fix: str


RULES: tuple[Rule, ...] = (
    Rule("FD001", "yaml-syntax", "error", "A YAML file does not parse.", "Fix the YAML syntax at that line."),
    Rule("FD002", "python-syntax", "error", "A Python file does not parse.", "Fix the Python syntax at that line."),
    Rule(
        "FD101",
        "hardcoded-service-url",
        "error",
        "A literal URL or host:port in code points at a registry service.",
        'Use SERVICES.get_service_url("NAME") from the registry.',
    ),
    Rule(
        "FD102",
        "adhoc-endpoint-variable",
        "error",
        "An endpoint is read from an ad-hoc variable with a hardcoded URL default.",
        'Use SERVICES.get_service_url("NAME"): the registry reads SVC_NAME_HOST and NAME_PORT.',
    ),
    Rule(
        "FD103",
        "endpoint-url-literal",
        "error",
        "endpoint_url= is given a literal URL.",
        'Pass endpoint_url=SERVICES.get_service_url("NAME").',
    ),
    Rule(
        "FD200",
        "compose-interpolation",
        "error",
        "A required Compose variable (${VAR?err}, ${VAR:?err}) is not set.",
        "Set the variable in the project's .env or the environment.",
    ),
    Rule(
        "FD201",
        "compose-unknown-host",
        "error",
        "SVC_<NAME>_HOST names no service, alias or container_name of the Compose project.",
        "Set it to a service name of the project.",
    ),
    Rule(
        "FD202",
        "compose-no-common-network",
        "error",
        "The consumer and the service it names share no network.",
        "Attach both services to one network.",
    ),
    Rule(
        "FD203",
        "compose-published-port",
        "error",
        "<NAME>_PORT is the published (host-side) port, not the port the container listens on.",
        "Set <NAME>_PORT to the container side of ports:.",
    ),
    Rule(
        "FD204",
        "compose-port-not-listened",
        "error",
        "<NAME>_PORT is not a port the target service listens on.",
        "Set <NAME>_PORT to a port of its ports:, expose:, GATEWAY_LISTEN or healthcheck.",
    ),
    Rule(
        "FD205",
        "compose-loopback-host",
        "error",
        "A container names localhost or a loopback address as a service's host.",
        "Name the service instead: inside a container, localhost is the container itself.",
    ),
    Rule(
        "FD206",
        "compose-adhoc-url-variable",
        "warning",
        "A service's URL is held in an ad-hoc variable (*_ENDPOINT, *_URL).",
        "Set the registry's two variables SVC_<NAME>_HOST and <NAME>_PORT.",
    ),
    Rule(
        "FD207",
        "compose-healthy-without-healthcheck",
        "error",
        "depends_on: condition: service_healthy on a service without a healthcheck.",
        "Add a healthcheck: to the target, or use condition: service_started.",
    ),
    Rule(
        "FD208",
        "compose-unpinned-emulator",
        "warning",
        "An emulator image is unpinned or latest/stable without LOCALSTACK_AUTH_TOKEN.",
        "Pin a version tag, or set LOCALSTACK_AUTH_TOKEN.",
    ),
    Rule(
        "FD209",
        "compose-production-with-localstack",
        "error",
        "ENVIRONMENT is a value the application treats as production while a LocalStack host is set.",
        "Set ENVIRONMENT=development (or dev, local), or drop SVC_LOCALSTACK_HOST.",
    ),
    Rule(
        "FD210",
        "compose-https-to-plain-gateway",
        "error",
        "An https:// URL points at an emulator gateway that the registry reaches over plain http.",
        "Use http://, or better the registry's two variables.",
    ),
    Rule(
        "FD211",
        "compose-host-case",
        "warning",
        "A host names a container_name with capitals, or differs in case from the name it resolves by.",
        "Use a lower-case container_name, or name the service instead.",
    ),
    Rule(
        "FD212",
        "compose-host-in-profile",
        "warning",
        "SVC_<NAME>_HOST names a service that runs only under a profile the consumer is not in.",
        "Give both the same profile, or drop profiles: from the target.",
    ),
    Rule(
        "FD301",
        "k8s-unknown-host",
        "error",
        "SVC_<NAME>_HOST names no Service, read the way cluster DNS reads it.",
        "Set it to a Service's name (name, name.namespace or its FQDN).",
    ),
    Rule(
        "FD302",
        "k8s-service-port",
        "error",
        "The Service has no port equal to the registry's port.",
        "Make the Service's port and <NAME>_PORT the same.",
    ),
    Rule(
        "FD303",
        "k8s-selector-no-pods",
        "error",
        "A Service's selector matches no pod template in its namespace.",
        "Make the selector match the pod template's labels.",
    ),
    Rule(
        "FD304",
        "k8s-target-port",
        "error",
        "A Service's targetPort is declared by no selected container.",
        "Set targetPort to a containerPort (or its name) of the selected pods.",
    ),
    Rule(
        "FD305",
        "k8s-service-link-collision",
        "error",
        "A Service named X makes the kubelet inject X_PORT=tcp://..., which the registry reads as a port.",
        "Set X_PORT explicitly in the container, or enableServiceLinks: false in the pod spec.",
    ),
    Rule(
        "FD401",
        "compose-k8s-mismatch",
        "error",
        "A service's name or port differs between Compose and Kubernetes.",
        "Use the same service name and port in both (the seed's 'Same name!').",
    ),
)

RULE_BY_ID: dict[str, Rule] = {rule.id: rule for rule in RULES}


@dataclass(frozen=True, order=True)
class Finding:
    """One broken promise, at a file (relative to the audited root), line and column (1-based)."""

    file: str
    line: int
    column: int
    rule: str
    message: str = field(compare=False)
    fix: str = field(compare=False)

    @property
    def severity(self) -> Severity:
        return RULE_BY_ID[self.rule].severity

    def to_json(self) -> dict[str, object]:
        return {
            "rule": self.rule,
            "severity": self.severity,
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "message": self.message,
            "fix": self.fix,
        }


@dataclass(frozen=True)
class Loc:
    """Where a value was written: a file (relative to the root) and a 1-based line and column."""

    file: str
    line: int
    column: int

    def finding(self, rule: str, message: str, fix: str | None = None) -> Finding:
        return Finding(self.file, self.line, self.column, rule, message, fix or RULE_BY_ID[rule].fix)


@dataclass
class AuditReport:
    root: str
    findings: list[Finding]
    files: int
    #: How many files of each kind were read: compose, kubernetes, python, env.
    counts: dict[str, int]

    @property
    def errors(self) -> int:
        return sum(f.severity == "error" for f in self.findings)

    @property
    def warnings(self) -> int:
        return sum(f.severity == "warning" for f in self.findings)

    def to_json(self) -> dict[str, object]:
        return {
            "root": self.root,
            "files": self.files,
            "counts": self.counts,
            "errors": self.errors,
            "warnings": self.warnings,
            "findings": [f.to_json() for f in self.findings],
        }

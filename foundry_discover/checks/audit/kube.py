"""Kubernetes manifests: Services, pod templates and their containers, with positions.

A manifest is any YAML document with ``apiVersion`` and ``kind`` (a ``List`` holds
others in ``items``). A namespace left out is ``default``, as ``kubectl apply`` without
``-n`` reads it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from foundry_discover.checks.audit.findings import Finding, Loc
from foundry_discover.checks.audit.yamlpos import Document, LList, LMap, load_all

DEFAULT_NAMESPACE = "default"

#: Where each workload kind keeps its pod template.
_TEMPLATE_PATHS: dict[str, tuple[str, ...]] = {
    "Deployment": ("spec", "template"),
    "StatefulSet": ("spec", "template"),
    "DaemonSet": ("spec", "template"),
    "ReplicaSet": ("spec", "template"),
    "ReplicationController": ("spec", "template"),
    "Job": ("spec", "template"),
    "CronJob": ("spec", "jobTemplate", "spec", "template"),
}


@dataclass(frozen=True)
class EnvVar:
    name: str
    #: None when valueFrom (a Secret, a ConfigMap, a field) gives the value.
    value: str | None
    loc: Loc
    value_loc: Loc


@dataclass
class Container:
    name: str
    loc: Loc
    env: dict[str, EnvVar]
    has_env_from: bool
    #: containerPort numbers and names.
    ports: set[int]
    port_names: set[str]


@dataclass
class PodTemplate:
    owner: str  # e.g. Deployment/foundry-backend
    namespace: str
    labels: dict[str, str]
    enable_service_links: bool
    containers: list[Container]
    loc: Loc


@dataclass(frozen=True)
class ServicePort:
    port: int
    target: int | str | None
    name: str | None
    loc: Loc
    target_loc: Loc


@dataclass
class KubeService:
    name: str
    namespace: str
    selector: dict[str, str]
    ports: list[ServicePort]
    loc: Loc
    selector_loc: Loc


@dataclass
class KubeModel:
    services: list[KubeService] = field(default_factory=list)
    pods: list[PodTemplate] = field(default_factory=list)
    #: Manifests read, by file.
    documents: int = 0

    def services_in(self, namespace: str) -> dict[str, KubeService]:
        return {s.name: s for s in self.services if s.namespace == namespace}


def _get(node: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(node, dict):
            return None
        node = node.get(key)
    return node


def _loc(file: str, pos: tuple[int, int]) -> Loc:
    return Loc(file, pos[0], pos[1])


def _str_map(node: Any) -> dict[str, str]:
    return {str(k): str(v) for k, v in node.items()} if isinstance(node, dict) else {}


def _container(raw: Any, file: str, pos: tuple[int, int]) -> Container | None:
    if not isinstance(raw, LMap):
        return None
    env: dict[str, EnvVar] = {}
    env_list = raw.get("env")
    if isinstance(env_list, LList):
        for i, item in enumerate(env_list):
            if isinstance(item, LMap) and item.get("name"):
                name = str(item["name"])
                value = item.get("value")
                text = None if "valueFrom" in item else ("" if value is None else str(value))
                where = _loc(file, env_list.where(i))
                env[name] = EnvVar(name, text, where, _loc(file, item.where("value")) if "value" in item else where)
    ports, names = set(), set()
    for port in raw.get("ports") or []:
        if isinstance(port, dict):
            if isinstance(port.get("containerPort"), int):
                ports.add(port["containerPort"])
            if port.get("name"):
                names.add(str(port["name"]))
    return Container(str(raw.get("name", "")), _loc(file, pos), env, bool(raw.get("envFrom")), ports, names)


def _pod(owner: str, namespace: str, template: Any, spec: Any, file: str, pos: tuple[int, int]) -> PodTemplate:
    labels = _str_map(_get(template, "metadata", "labels"))
    containers: list[Container] = []
    for key in ("initContainers", "containers"):
        items = spec.get(key) if isinstance(spec, dict) else None
        if isinstance(items, LList):
            for i, raw in enumerate(items):
                c = _container(raw, file, items.where(i))
                if c is not None:
                    containers.append(c)
    links = spec.get("enableServiceLinks") if isinstance(spec, dict) else None
    return PodTemplate(owner, namespace, labels, links is not False, containers, _loc(file, pos))


def _service(doc: LMap, name: str, namespace: str, file: str) -> KubeService:
    spec = doc.get("spec")
    spec = spec if isinstance(spec, LMap) else LMap()
    ports: list[ServicePort] = []
    raw_ports = spec.get("ports")
    if isinstance(raw_ports, LList):
        for i, p in enumerate(raw_ports):
            if isinstance(p, LMap) and isinstance(p.get("port"), int):
                where = _loc(file, raw_ports.where(i))
                target = p.get("targetPort")
                target_loc = _loc(file, p.where("targetPort")) if "targetPort" in p else where
                name_ = str(p["name"]) if p.get("name") else None
                ports.append(
                    ServicePort(p["port"], target if isinstance(target, (int, str)) else None, name_, where, target_loc)
                )
    selector = spec.get("selector")
    selector_loc = _loc(file, spec.key_pos.get("selector", doc.pos))
    return KubeService(name, namespace, _str_map(selector), ports, _loc(file, doc.pos), selector_loc)


def _add(model: KubeModel, doc: Any, file: str) -> None:
    if not isinstance(doc, LMap) or "apiVersion" not in doc or "kind" not in doc:
        return
    kind = str(doc["kind"])
    if kind.endswith("List") and isinstance(doc.get("items"), list):
        for item in doc["items"]:
            _add(model, item, file)
        return
    model.documents += 1
    name = str(_get(doc, "metadata", "name") or "")
    namespace = str(_get(doc, "metadata", "namespace") or DEFAULT_NAMESPACE)
    if kind == "Service":
        model.services.append(_service(doc, name, namespace, file))
    elif kind == "Pod":
        model.pods.append(_pod(f"Pod/{name}", namespace, doc, doc.get("spec"), file, doc.pos))
    elif kind in _TEMPLATE_PATHS:
        template = _get(doc, *_TEMPLATE_PATHS[kind])
        if isinstance(template, LMap):
            model.pods.append(_pod(f"{kind}/{name}", namespace, template, template.get("spec"), file, template.pos))


def is_manifest(doc: Document) -> bool:
    return isinstance(doc.data, dict) and "apiVersion" in doc.data and "kind" in doc.data


def read_manifests(model: KubeModel, text: str, file: str, *, report_errors: bool = True) -> list[Finding]:
    """Add every manifest in ``text`` to ``model``; a syntax error is a finding at its line."""
    docs, error = load_all(text)
    for doc in docs:
        _add(model, doc.data, file)
    if error is not None and report_errors:
        return [Loc(file, error.line, error.column).finding("FD001", f"YAML error: {error.problem}")]
    return []

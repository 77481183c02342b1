"""The Compose rules: each consumer's registry variables against the project it runs in."""

from __future__ import annotations

import difflib
import re

from foundry_discover.checks.audit import images
from foundry_discover.checks.audit.compose_model import ComposeProject, Service, Value
from foundry_discover.checks.audit.context import Context, host_var_name, is_loopback, parse_endpoint, parse_url
from foundry_discover.checks.audit.findings import Finding
from foundry_discover.checks.environment import DEV_VALUES
from foundry_discover.lite.values import port_var

_ADHOC_RE = re.compile(r"_(ENDPOINT|ENDPOINT_URL|URL|URI|ADDR|ADDRESS)$")
_URL_PORT_RE = re.compile(r"://[^/\s:]+:(\d{1,5})")
_LISTEN_RE = re.compile(r":(\d{1,5})(?:,|$)")


def _network_of(svc: Service, project: ComposeProject) -> dict[str, set[str]]:
    """The networks a service is on, following network_mode: service:X."""
    mode = svc.network_mode.text if svc.network_mode else None
    if mode and mode.startswith("service:"):
        other = project.services.get(mode.split(":", 1)[1])
        return other.aliases() if other else {}
    return svc.aliases()


def listen_ports(target: Service) -> tuple[set[int], list[str]]:
    """Ports the target listens on, and where each kind of evidence came from."""
    ports: set[int] = set(target.listen_ports())
    where = ["ports:"] if target.ports else []
    if target.expose:
        where.append("expose:")
    gateway = target.environment.get("GATEWAY_LISTEN")
    if gateway and gateway.text:
        ports |= {int(p) for p in _LISTEN_RE.findall(gateway.text)}
        where.append("GATEWAY_LISTEN")
    if target.healthcheck and not target.healthcheck.disabled:
        found = {int(p) for w in target.healthcheck.test for p in _URL_PORT_RE.findall(w)}
        if found:
            ports |= found
            where.append("healthcheck")
    if target.image and target.image.text and not (gateway and gateway.text):
        repo = images.split_image(target.image.text)[0]
        if repo in images.IMAGE_PORTS:
            ports.add(images.IMAGE_PORTS[repo])
            where.append(f"{repo}'s default")
    return ports, where


class _Checker:
    def __init__(self, ctx: Context, project: ComposeProject) -> None:
        self.ctx = ctx
        self.project = project
        self.findings: list[Finding] = []
        self.by_alias: dict[str, list[Service]] = {}
        for svc in project.services.values():
            for names in _network_of(svc, project).values():
                for name in names:
                    if svc not in self.by_alias.setdefault(name, []):
                        self.by_alias[name].append(svc)

    def run(self) -> list[Finding]:
        for svc in self.project.services.values():
            self.consumer(svc)
            self.depends(svc)
            self.image(svc)
        return self.findings

    def consumer(self, svc: Service) -> None:
        mode = svc.network_mode.text if svc.network_mode else None
        for variable, value in svc.environment.items():
            name = host_var_name(variable)
            text = (value.text or "").strip()
            if name and text:
                self.host(svc, name, value, text, mode)
            elif text and _ADHOC_RE.search(variable) and not variable.startswith("SVC_"):
                self.adhoc(svc, variable, value, text)
            if text and "://" in text:
                self.https(variable, value, text)
        self.environment(svc)

    def host(self, svc: Service, name: str, value: Value, text: str, mode: str | None) -> None:
        variable = f"SVC_{name}_HOST"
        if is_loopback(text):
            if mode != "host":
                self.findings.append(
                    value.loc.finding(
                        "FD205",
                        f"{variable}={text} in service {svc.name}: inside a container that is the container itself",
                        f"Set {variable} to the service's name (e.g. {self._guess(name)})",
                    )
                )
            return
        if "." in text or ":" in text or "/" in text:
            return  # a DNS name outside the project, or a value the registry itself rejects
        if text in svc.own_names:
            return  # its own /etc/hosts (extra_hosts) or a links alias: outside what DNS says
        targets = self.by_alias.get(text)
        if not targets:
            folded = [s for alias, found in self.by_alias.items() if alias.lower() == text.lower() for s in found]
            if folded:
                self.findings.append(
                    value.loc.finding(
                        "FD211",
                        f"{variable}={text} differs in case from the name it resolves by ({folded[0].name})",
                        f"Set {variable}={folded[0].name}, and use a lower-case container_name",
                    )
                )
                return
            close = difflib.get_close_matches(text, list(self.by_alias), n=1, cutoff=0.6)
            hint = f" (did you mean {close[0]}?)" if close else ""
            choice = close[0] if close else self._guess(name)
            self.findings.append(
                value.loc.finding(
                    "FD201",
                    f"{variable}={text} names no service, alias or container_name of this project{hint}",
                    f"Set {variable}={choice}",
                )
            )
            return
        target = targets[0]
        if target.container_name and target.container_name.text == text and text != text.lower():
            self.findings.append(
                value.loc.finding(
                    "FD211",
                    f"{variable}={text} names container_name {text}, which has capitals",
                    f"Set {variable}={target.name} (the service name), or use a lower-case container_name",
                )
            )
        self.network(svc, target, variable, value, text)
        self.port(svc, target, name, value)
        self.profiles(svc, target, variable, value, text)

    def profiles(self, svc: Service, target: Service, variable: str, value: Value, text: str) -> None:
        if not target.profiles or set(svc.profiles) & set(target.profiles):
            return
        needed = ", ".join(target.profiles)
        mine = f"profiles {', '.join(svc.profiles)}" if svc.profiles else "no profile"
        self.findings.append(
            value.loc.finding(
                "FD212",
                f"{variable}={text}: {target.name} runs only under profile {needed}, but {svc.name} has {mine}, "
                f"so {svc.name} can start without it",
                f"Add profiles: [{target.profiles[0]}] to {svc.name}, or drop profiles: from {target.name}",
            )
        )

    def _guess(self, name: str) -> str:
        spec = self.ctx.specs.get(name)
        if spec and spec.host:
            return spec.host
        known = {s.name.upper().replace("-", "_"): s.name for s in self.project.services.values()}
        return known.get(name, name.lower().replace("_", "-"))

    def _listening_on(self, port: int) -> str | None:
        """The registry name of the one project service that listens on ``port``, if one does."""
        for svc in self.project.services.values():
            if port in listen_ports(svc)[0]:
                by_host = (s.name for s in self.ctx.specs.values() if s.host == svc.name)
                return next(by_host, None) or svc.name.upper().replace("-", "_")
        return None

    def network(self, svc: Service, target: Service, variable: str, value: Value, text: str) -> None:
        mode = svc.network_mode.text if svc.network_mode else None
        if mode in ("host", "none") or (mode and mode.startswith("container:")):
            return
        mine = set(_network_of(svc, self.project))
        theirs = {net for net, names in _network_of(target, self.project).items() if text in names}
        if mine and theirs and not mine & theirs:
            self.findings.append(
                value.loc.finding(
                    "FD202",
                    f"{svc.name} (networks: {', '.join(sorted(mine))}) and {target.name} "
                    f"(networks: {', '.join(sorted(theirs))}) share no network, so {text} does not resolve",
                    f"Add {sorted(theirs)[0]} to {svc.name}'s networks:",
                )
            )

    def port(self, svc: Service, target: Service, name: str, host_value: Value) -> None:
        variable = port_var(name)
        written = svc.environment.get(variable)
        spec = self.ctx.specs.get(name)
        if written is not None and written.text:
            if not written.text.strip().isdigit():
                return
            port, loc, said = int(written.text), written.loc, f"{variable}={written.text.strip()}"
        elif spec is not None and spec.port is not None:
            port, loc, said = spec.port, host_value.loc, f"{variable} is not set, so the registry's default {spec.port}"
        else:
            return
        ports, where = listen_ports(target)
        if not ports or port in ports:
            return
        listens = ", ".join(str(p) for p in sorted(ports))
        published = [p for p in target.ports if p.published == str(port)]
        if published:
            self.findings.append(
                loc.finding(
                    "FD203",
                    f"{said} is {target.name}'s published (host-side) port; inside the network it listens on {listens}",
                    f"Set {variable}={published[0].target}",
                )
            )
            return
        self.findings.append(
            loc.finding(
                "FD204",
                f"{said} is not a port {target.name} listens on ({listens}, from {', '.join(where)})",
                f"Set {variable}={min(ports) if len(ports) > 1 else next(iter(ports))}",
            )
        )

    def adhoc(self, svc: Service, variable: str, value: Value, text: str) -> None:
        found = parse_endpoint(text)
        if found is None:
            return
        if found.host in self.by_alias:
            target = self.by_alias[found.host][0]
            by_host = (s.name for s in self.ctx.specs.values() if s.host == target.name)
            name: str | None = next(by_host, None) or target.name.upper().replace("-", "_")
            host = found.host
        else:
            name = self.ctx.points_at_service(found)
            if name is None and is_loopback(found.host) and found.port is not None:
                name = self._listening_on(found.port)
            host = self._guess(name) if name else found.host
        if name is None:
            return
        mode = svc.network_mode.text if svc.network_mode else None
        if is_loopback(found.host) and mode != "host":
            self.findings.append(
                value.loc.finding(
                    "FD205",
                    f"{variable} points at {found.show()} in service {svc.name}: "
                    "inside a container that is the container itself",
                    f"Name the service instead: SVC_{name}_HOST={host}",
                )
            )
        port = f" and {port_var(name)}={found.port}" if found.port else ""
        what = "a URL" if found.scheme else "an address"
        self.findings.append(
            value.loc.finding(
                "FD206",
                f"{variable} holds {what} of a service ({found.show()}) outside the registry",
                f'Set SVC_{name}_HOST={host}{port}, and read SERVICES.get_service_url("{name}")',
            )
        )

    def https(self, variable: str, value: Value, text: str) -> None:
        found = parse_url(text)
        if found is None or found.scheme != "https":
            return
        targets = self.by_alias.get(found.host, [])
        target = targets[0] if targets else None
        repo = images.split_image(target.image.text)[0] if target and target.image and target.image.text else ""
        if not images.is_emulator(repo):
            return
        self.findings.append(
            value.loc.finding(
                "FD210",
                f"{variable} uses https:// against {target.name if target else found.host}'s gateway ({repo}), "
                "which the registry reaches over plain http",
                f"Use http://{found.host}{':' + str(found.port) if found.port else ''}",
            )
        )

    def environment(self, svc: Service) -> None:
        env = svc.environment.get("ENVIRONMENT")
        host = svc.environment.get("SVC_LOCALSTACK_HOST")
        if env is None or env.text is None or host is None or not (host.text or "").strip():
            return
        if env.text in DEV_VALUES:
            return
        self.findings.append(
            env.loc.finding(
                "FD209",
                f"ENVIRONMENT={env.text!r} in service {svc.name} is production to the application "
                f"(it checks for {'/'.join(DEV_VALUES)} exactly): it ignores SVC_LOCALSTACK_HOST and calls real AWS",
                "Set ENVIRONMENT=development (or dev, local), or drop SVC_LOCALSTACK_HOST",
            )
        )

    def depends(self, svc: Service) -> None:
        for name, condition in svc.depends_on.items():
            target = self.project.services.get(name)
            if condition.text != "service_healthy" or target is None:
                continue
            if target.healthcheck is not None and not target.healthcheck.disabled:
                continue
            if target.healthcheck is None and self._image_healthcheck(target):
                continue
            why = "disables its healthcheck" if target.healthcheck else "has no healthcheck"
            self.findings.append(
                condition.loc.finding(
                    "FD207",
                    f"{svc.name} waits for {name} to be healthy, but {name} {why}: {svc.name} never starts",
                    f"Add a healthcheck: to {name}, or use condition: service_started",
                )
            )

    def _image_healthcheck(self, target: Service) -> bool:
        if target.build is not None:
            found = images.dockerfile_has_healthcheck(
                target.build.context, target.build.dockerfile, target.build.base_dir
            )
            if found is not None:
                return found
        if target.image and target.image.text:
            return images.split_image(target.image.text)[0] in images.HEALTHCHECK_IMAGES
        return False

    def image(self, svc: Service) -> None:
        if svc.image is None or not svc.image.text:
            return
        repo, tag, digest = images.split_image(svc.image.text)
        if repo not in images.LOCALSTACK_IMAGES or digest or tag not in (None, "latest", "stable"):
            return
        token = svc.environment.get("LOCALSTACK_AUTH_TOKEN")
        if token is not None and (token.text or "").strip():
            return
        self.findings.append(
            svc.image.loc.finding(
                "FD208",
                f"{svc.image.text} is {'unpinned' if tag is None else tag!r} and {svc.name} "
                "sets no LOCALSTACK_AUTH_TOKEN: "
                "since 2026 LocalStack's latest images exit at start without an auth token",
                "Pin a version tag (e.g. localstack/localstack:4.9), or set LOCALSTACK_AUTH_TOKEN",
            )
        )


def check_compose(ctx: Context) -> list[Finding]:
    findings: list[Finding] = []
    for project in ctx.compose:
        findings += _Checker(ctx, project).run()
    return findings

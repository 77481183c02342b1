"""One Compose file's service as written -> ``Service``; and one service laid over another."""

from __future__ import annotations

from typing import Any

from foundry_discover.checks.audit.compose_model import Build, Healthcheck, Port, Service, Value
from foundry_discover.checks.audit.findings import Loc
from foundry_discover.checks.audit.yamlpos import LList, LMap


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _at(file: str, pos: tuple[int, int]) -> Loc:
    return Loc(file, pos[0], pos[1])


def _items(value: Any) -> list[tuple[Any, tuple[int, int]]]:
    if isinstance(value, LList):
        return [(item, value.where(i)) for i, item in enumerate(value)]
    if isinstance(value, list):
        return [(item, (1, 1)) for item in value]
    if value is None:
        return []
    return [(value, (1, 1))]


def environment(raw: Any, file: str, shell: dict[str, str]) -> dict[str, Value]:
    """environment: as a list (``K=V``, ``K``) or a map; ``K`` alone takes the shell's value."""
    out: dict[str, Value] = {}
    if isinstance(raw, LMap):
        for key, value in raw.items():
            loc = _at(file, raw.key_pos.get(key, raw.pos))
            text = _text(value)
            out[str(key)] = Value(shell.get(str(key)) if text is None else text, loc)
    elif isinstance(raw, list):
        for item, pos in _items(raw):
            key, sep, value = str(item).partition("=")
            out[key] = Value(value if sep else shell.get(key), _at(file, pos))
    return out


def parse_ports(raw: Any, file: str) -> list[Port]:
    ports: list[Port] = []
    for item, pos in _items(raw):
        loc = _at(file, pos)
        if isinstance(item, dict):
            target = item.get("target")
            if isinstance(target, int) or (isinstance(target, str) and target.isdigit()):
                published = _text(item.get("published"))
                ports.append(Port(int(target), published, str(item.get("protocol") or "tcp"), item.get("host_ip"), loc))
            continue
        ports.extend(_short_port(str(item), loc))
    return ports


def _range(text: str) -> list[int]:
    first, _, last = text.partition("-")
    if not first.isdigit() or (last and not last.isdigit()):
        return []
    lo, hi = int(first), int(last or first)
    return list(range(lo, min(hi, lo + 1024) + 1))


def _short_port(text: str, loc: Loc) -> list[Port]:
    spec, _, protocol = text.partition("/")
    host_ip: str | None = None
    if spec.startswith("["):  # [::1]:8080:80
        end = spec.find("]")
        host_ip, spec = spec[1:end], spec[end + 2 :]
    parts = spec.rsplit(":", 2)
    if len(parts) == 3:
        host_ip, published, target = parts
    elif len(parts) == 2:
        published, target = parts
    else:
        published, target = "", parts[0]
    targets = _range(target)
    publishes = _range(published) if published else []
    out = []
    for i, port in enumerate(targets):
        pub = str(publishes[i]) if i < len(publishes) else (published or None) if len(publishes) <= 1 else None
        out.append(Port(port, pub, protocol or "tcp", host_ip or None, loc))
    return out


def _expose(raw: Any, file: str) -> list[Value]:
    out: list[Value] = []
    for item, pos in _items(raw):
        spec = str(item).partition("/")[0]
        out.extend(Value(str(port), _at(file, pos)) for port in _range(spec))
    return out


def _networks(raw: Any, file: str) -> dict[str, list[Value]] | None:
    if raw is None:
        return None
    out: dict[str, list[Value]] = {}
    if isinstance(raw, LMap):
        for name, body in raw.items():
            aliases = body.get("aliases") if isinstance(body, dict) else None
            out[str(name)] = [Value(_text(a), _at(file, pos)) for a, pos in _items(aliases)]
    else:
        for name, _pos in _items(raw):
            out[str(name)] = []
    return out


def _depends_on(raw: Any, file: str) -> dict[str, Value]:
    out: dict[str, Value] = {}
    if isinstance(raw, LMap):
        for name, body in raw.items():
            if isinstance(body, LMap) and "condition" in body:
                out[str(name)] = Value(_text(body["condition"]), _at(file, body.where("condition")))
            else:
                out[str(name)] = Value("service_started", _at(file, raw.key_pos.get(name, raw.pos)))
    else:
        for name, pos in _items(raw):
            out[str(name)] = Value("service_started", _at(file, pos))
    return out


def _healthcheck(raw: Any, file: str) -> Healthcheck | None:
    if not isinstance(raw, LMap):
        return None
    test = raw.get("test")
    words = [str(w) for w in test] if isinstance(test, list) else (["CMD-SHELL", str(test)] if test else [])
    disabled = bool(raw.get("disable")) or words[:1] == ["NONE"]
    return Healthcheck(words, disabled, _at(file, raw.pos))


def _build(raw: Any, base_dir: str) -> Build | None:
    if isinstance(raw, str):
        return Build(raw, "Dockerfile", base_dir)
    if isinstance(raw, dict):
        return Build(str(raw.get("context") or "."), str(raw.get("dockerfile") or "Dockerfile"), base_dir)
    return None


def _own_names(extra_hosts: Any, links: Any) -> set[str]:
    names: set[str] = set()
    if isinstance(extra_hosts, dict):
        names |= {str(k) for k in extra_hosts}
    else:
        for item, _pos in _items(extra_hosts):
            text = str(item)
            cut = min((i for i in (text.find("="), text.find(":")) if i > 0), default=-1)
            if cut > 0:
                names.add(text[:cut])
    for item, _pos in _items(links):
        service, _, alias = str(item).partition(":")
        names |= {service, alias or service}
    return names


def _value(raw: LMap, key: str, file: str) -> Value | None:
    return Value(_text(raw[key]), _at(file, raw.where(key))) if key in raw and raw[key] is not None else None


def service(name: str, raw: Any, file: str, key_pos: tuple[int, int], base_dir: str, shell: dict[str, str]) -> Service:
    """The service as one file writes it (env_file is read later, at normalising)."""
    svc = Service(name, _at(file, key_pos))
    if not isinstance(raw, LMap):
        return svc
    svc.image = _value(raw, "image", file)
    svc.container_name = _value(raw, "container_name", file)
    svc.hostname = _value(raw, "hostname", file)
    svc.network_mode = _value(raw, "network_mode", file)
    svc.build = _build(raw.get("build"), base_dir)
    svc.written_env = environment(raw.get("environment"), file, shell)
    env_file = raw.get("env_file")
    for item, pos in _items(env_file):
        path = item.get("path") if isinstance(item, dict) else item
        if path is not None:
            svc.env_files.append(Value(f"{base_dir}\0{path}", _at(file, pos)))
    svc.networks = _networks(raw.get("networks"), file)
    svc.ports = _unique_ports(parse_ports(raw.get("ports"), file))
    svc.expose = list({v.text: v for v in _expose(raw.get("expose"), file)}.values())
    svc.healthcheck = _healthcheck(raw.get("healthcheck"), file)
    svc.depends_on = _depends_on(raw.get("depends_on"), file)
    svc.profiles = [str(p) for p, _ in _items(raw.get("profiles"))]
    svc.own_names = _own_names(raw.get("extra_hosts"), raw.get("links"))
    ext = raw.get("extends")
    if isinstance(ext, str):
        svc.extends = (ext, None, _at(file, raw.where("extends")))
    elif isinstance(ext, dict) and ext.get("service"):
        svc.extends = (str(ext["service"]), _text(ext.get("file")), _at(file, raw.where("extends")))
    return svc


def _unique_ports(ports: list[Port]) -> list[Port]:
    seen: dict[tuple[Any, ...], Port] = {}
    for p in ports:
        seen.setdefault((p.target, p.published, p.protocol, p.host_ip), p)
    return list(seen.values())


def overlay(base: Service, over: Service) -> Service:
    """``over`` laid on ``base`` as Compose merges an override file (or an extends)."""
    merged = Service(over.name, over.loc if over.loc.line else base.loc)
    for attr in ("image", "build", "container_name", "hostname", "network_mode"):
        setattr(merged, attr, getattr(over, attr) or getattr(base, attr))
    merged.written_env = {**base.written_env, **over.written_env}
    merged.env_files = [*base.env_files, *over.env_files]
    if base.networks is None or over.networks is None:
        merged.networks = over.networks if base.networks is None else base.networks
    else:
        merged.networks = dict(base.networks)
        for name, aliases in over.networks.items():
            have = {a.text for a in merged.networks.get(name, [])}
            merged.networks[name] = [*merged.networks.get(name, []), *(a for a in aliases if a.text not in have)]
    merged.ports = _unique_ports([*base.ports, *over.ports])
    merged.expose = list({v.text: v for v in [*base.expose, *over.expose]}.values())
    if base.healthcheck and over.healthcheck:
        test = over.healthcheck.test or base.healthcheck.test
        disabled = over.healthcheck.disabled or (not over.healthcheck.test and base.healthcheck.disabled)
        merged.healthcheck = Healthcheck(test, disabled, over.healthcheck.loc)
    else:
        merged.healthcheck = over.healthcheck or base.healthcheck
    merged.depends_on = {**base.depends_on, **over.depends_on}
    merged.profiles = list(dict.fromkeys([*base.profiles, *over.profiles]))
    merged.own_names = base.own_names | over.own_names
    merged.extends = over.extends
    return merged

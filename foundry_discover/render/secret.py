"""How `secret` shows what it fetched: metadata by default, the value only when asked."""

from __future__ import annotations

import base64
import sys

from foundry_discover.checks.aws.plan import ClientPlan
from foundry_discover.checks.aws.results import SecretList, SecretValue
from foundry_discover.render import Cell, line, table

MASK = "********"


def write_raw(secret: SecretValue) -> None:
    """The value alone, nothing else: bytes as they are for a binary secret, no newline added."""
    sys.stdout.flush()
    if isinstance(secret.value, bytes):
        sys.stdout.buffer.write(secret.value)
        sys.stdout.buffer.flush()
    else:
        sys.stdout.write(secret.value)
        sys.stdout.flush()


def show_secret(secret: SecretValue) -> None:
    unit = "bytes" if secret.kind == "binary" else "characters"
    kind: str = secret.kind
    if secret.json_keys is not None:
        kind += " (JSON object)"
    rows: list[list[Cell]] = [
        ["name", secret.name],
        ["arn", secret.arn or "-"],
        ["version id", secret.version_id or "-"],
        ["stages", ", ".join(secret.stages) or "-"],
        ["created", secret.created or "-"],
        ["type", kind],
    ]
    if secret.json_keys is not None:
        rows.append(["keys", ", ".join(secret.json_keys) or "(none)"])
    if secret.key is not None:
        rows.append(["field", secret.key])
    rows.append(["length", f"{secret.length} {unit}" + ("" if secret.key is None else " (the field)")])
    if not secret.revealed:
        rows.append(["value", (f"{MASK} (hidden: --reveal shows it, --raw prints it alone)", "dim")])
    rows += _plan_rows(secret.plan)
    pairs(rows)
    if secret.revealed:
        if isinstance(secret.value, bytes):
            line("value (base64):", "bold")
            line(base64.b64encode(secret.value).decode("ascii"))
        else:
            line("value:", "bold")
            line(secret.value)


def pairs(rows: list[list[Cell]]) -> None:
    """Label and value, one per line, labels padded to one width."""
    width = max(len(str(label)) for label, _ in rows)
    for label, value in rows:
        text, style = value if isinstance(value, tuple) else (value, None)
        line(f"{str(label).ljust(width)}  {text}", style)


def _plan_rows(plan: ClientPlan, *, explain: bool = False) -> list[list[Cell]]:
    rows: list[list[Cell]] = [
        ["environment", f"{plan.environment} ({plan.environment_reason})"],
        ["endpoint", f"{plan.shown_endpoint} ({plan.endpoint_source})"],
        ["region", f"{plan.region} ({plan.region_source})"],
    ]
    route = plan.route
    if route is not None and (explain or route.via_proxy):
        rows.append(["route", route.summary()])
        rows += [["", (note, "yellow")] for note in (*route.hidden, *route.unmatched)]
    bundles = plan.ca_bundle
    if bundles is not None and explain:
        rows.append(["CA bundle", bundles.summary()])
    return rows


def show_plan(plan: ClientPlan) -> None:
    """--explain: every decision, and every endpoint setting with what became of it."""
    line("how the Secrets Manager client was built", "bold")
    rows: list[list[Cell]] = [
        *_plan_rows(plan, explain=True),
        ["credentials", plan.credentials_source],
        ["guard", plan.guard],
    ]
    if plan.region_note:
        rows.insert(3, ["region note", plan.region_note])
    pairs(rows)
    if plan.candidates:
        table(
            ["ENDPOINT SETTING", "URL", "USED", "WHY"],
            [[c.source, c.url, "yes" if c.used else "no", c.note] for c in plan.candidates],
        )
    else:
        line("no endpoint is configured (AWS_ENDPOINT_URL_SECRETS_MANAGER, AWS_ENDPOINT_URL, shared config)")
    line()


def show_list(secrets: SecretList) -> None:
    rows: list[list[Cell]] = []
    for entry in secrets.secrets:
        changed = entry.last_changed or "-"
        name: Cell = entry.name
        if entry.deletion_date:
            name = (f"{entry.name} (deleted after {entry.deletion_date})", "yellow")
        rows.append([name, entry.description or "-", changed])
    if not rows:
        line(f"no secrets at {secrets.plan.shown_endpoint} (region {secrets.plan.region})")
        for note in secrets.notes:
            line(f"note: {note}", "yellow")
        return
    table(["NAME", "DESCRIPTION", "LAST CHANGED"], rows)

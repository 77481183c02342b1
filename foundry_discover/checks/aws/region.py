"""The region the application passes, next to the one botocore would read on its own.

The seed's backend documents ``AWS_REGION`` with the default ``us-east-1`` and passes the
region to ``boto3.client`` as ``region_name`` (its example: ``region_name='us-east-1'``),
so its client never asks botocore. botocore by itself (the aws CLI, a client built
without ``region_name``) reads only ``AWS_DEFAULT_REGION``, then the profile's
``region``: ``AWS_REGION`` is not one of its config variables (configprovider's
``BOTOCORE_DEFAUT_SESSION_VARIABLES``; it is read only to pick smart defaults under
``AWS_EXECUTION_ENV``). The two agree only when the variables do.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

#: The application's default when ``AWS_REGION`` is unset (the seed's configuration reference).
APP_DEFAULT_REGION = "us-east-1"


#: What the source says when the application falls back to its default.
DEFAULT_SOURCE = "the application's default: AWS_REGION is not set"


@dataclass(frozen=True)
class RegionChoice:
    """The application's region, botocore's own, and what to say about the difference."""

    region: str
    source: str
    #: What botocore alone would use (None: no region at all) and where it reads it.
    botocore: str | None
    botocore_source: str
    #: Worth a warning: the application and botocore-alone reach different regions.
    warning: str | None = None
    #: Worth saying in --explain and JSON, not on every run.
    note: str | None = None


def choose_region(env: Mapping[str, str], profile_region: str | None) -> RegionChoice:
    """``AWS_REGION``, else the application's default; botocore's ``AWS_DEFAULT_REGION``, else the profile's."""
    app = (env.get("AWS_REGION") or "").strip()
    default = (env.get("AWS_DEFAULT_REGION") or "").strip()
    profile = (profile_region or "").strip()
    if default:
        own: str | None = default
        own_source = "AWS_DEFAULT_REGION"
    elif profile:
        own, own_source = profile, "the profile's region"
    else:
        own, own_source = None, "nothing (AWS_DEFAULT_REGION and the profile's region are unset)"
    region, source = (app, "AWS_REGION") if app else (APP_DEFAULT_REGION, DEFAULT_SOURCE)
    alone = f"{own} ({own_source})" if own else "no region"
    botocore_alone = "botocore on its own (the aws CLI, a client without region_name)"
    warning = note = None
    if app and default and app != default:
        warning = (
            f"AWS_REGION={app} and AWS_DEFAULT_REGION={default} disagree: the application passes AWS_REGION "
            f"({app}) as region_name; {botocore_alone} reads AWS_DEFAULT_REGION ({default})"
        )
    elif app and not default:
        note = f"only AWS_REGION is set: the application passes it ({app}); {botocore_alone} reads {alone}"
        if own is not None and own != app:
            warning = note
            note = None
    elif default and not app:
        text = (
            f"only AWS_DEFAULT_REGION is set ({default}): the application reads AWS_REGION, which is unset, so it "
            f"uses its default {APP_DEFAULT_REGION}; {botocore_alone} uses {default}"
        )
        if default != APP_DEFAULT_REGION:
            warning = text + f". Set AWS_REGION={default} if that region is meant"
        else:
            note = text
    elif not app and profile and profile != APP_DEFAULT_REGION:
        warning = (
            f"the profile's region {profile} is not what the application uses: it passes region_name="
            f"{APP_DEFAULT_REGION} (AWS_REGION is not set); {botocore_alone} uses {profile}"
        )
    return RegionChoice(region, source, own, own_source, warning, note)

# The foundry-discover image: run it next to a broken container, in its network.
#
#   docker build -t foundry-discover:0.1.0 .
#   docker run --rm --network PROJECT_default foundry-discover:0.1.0 doctor
#   docker run --rm -v "$PWD:/src:ro" -w /src foundry-discover:0.1.0 audit
#   kubectl debug -it pod/backend --image=foundry-discover:0.1.0 --target=backend -- foundry-discover doctor
#
# BASE is any image with python3 >= 3.10 and pip (the default: the official slim image,
# pinned by tag). Offline builds point pip at a folder of wheels in the context:
#   --build-arg PIP_NO_INDEX=1 --build-arg PIP_FIND_LINKS=/src/wheelhouse
ARG BASE=python:3.12-slim-bookworm

FROM ${BASE} AS builder
ARG PIP_NO_INDEX
ARG PIP_FIND_LINKS
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 PIP_ROOT_USER_ACTION=ignore
COPY . /src
# Wheels of the tool and of every dependency (PyYAML for `audit` too, which the pure-Python
# .pyz leaves out): the final stage installs from these alone.
RUN python3 -m pip wheel --wheel-dir /wheels "/src[audit]"

FROM ${BASE}
ARG BASE
ARG VERSION=0.1.0
# Where the source lives and which commit was built, for a registry's page: set them in CI.
ARG SOURCE=""
ARG REVISION=""
LABEL org.opencontainers.image.title="foundry-discover" \
      org.opencontainers.image.description="Find, resolve and check the services of a Compose or Kubernetes stack, from inside it" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.base.name="${BASE}"
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 PIP_ROOT_USER_ACTION=ignore \
    PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
# botocore's service models the tool uses (as scripts/build_pyz.py keeps for the .pyz):
# the other 400-odd are most of the image's size.
ARG KEEP_MODELS="secretsmanager sts sso sso-oidc"
# The wheels are mounted, not copied: no layer keeps them. pip compiles the bytecode
# here, so a read-only root filesystem costs nothing at start-up. The wheel puts the
# completions under /usr/local/share, where bash, zsh and fish look.
RUN --mount=type=bind,from=builder,source=/wheels,target=/wheels \
    python3 -m pip install --no-index --find-links=/wheels "foundry-discover[audit]" \
    && python3 -c "import botocore, os, shutil, sys; d = os.path.join(os.path.dirname(botocore.__file__), 'data'); \
[shutil.rmtree(os.path.join(d, m)) for m in os.listdir(d) if os.path.isdir(os.path.join(d, m)) and m not in sys.argv[1:]]" \
        $KEEP_MODELS \
    && foundry-discover --version
# A user of its own, with no home to write: the tool writes nothing but what it is asked to
# (--junit FILE), so it runs as any UID (runAsUser) with a read-only root filesystem.
RUN echo "foundry:x:10001:10001:foundry-discover:/nonexistent:/usr/sbin/nologin" >> /etc/passwd \
    && echo "foundry:x:10001:" >> /etc/group
USER 10001:10001
ENTRYPOINT ["foundry-discover"]
CMD ["--help"]

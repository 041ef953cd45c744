# The crossflow image: the Python package, the pinned Foundry binaries (anvil,
# forge, cast from npm) and the solc it compiles with (npm's WebAssembly build,
# run by Node.js), as a non-root user. Every crossflow command runs in it:
#   docker run --rm crossflow status
#
# Behind a TLS-inspecting proxy, give the build its CA bundle as a BuildKit secret;
# it is mounted only while packages are fetched and never stored in a layer:
#   DOCKER_BUILDKIT=1 docker build --secret id=ca,src=/etc/ssl/certs/ca-certificates.crt .
ARG BASE_IMAGE=python:3.11-slim
FROM ${BASE_IMAGE}

ENV DEBIAN_FRONTEND=noninteractive \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1
# Node.js for npm and the solc shim, ps for the node supervisor, and Python 3.11
# from Debian where the base has none.
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates nodejs npm procps \
       $(command -v python3 >/dev/null || echo python3 python3-venv) \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /opt/crossflow
COPY package.json package-lock.json ./
# Debian's Node.js is 18 and the Foundry packages ask for 20, so npm skips them as
# failed optional dependencies: they are fetched at their locked versions with
# `npm pack` (which checks the registry's integrity hash) and unpacked in place.
RUN --mount=type=secret,id=ca,required=false \
    if [ -f /run/secrets/ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/ca; fi \
    && npm ci --no-audit --no-fund --loglevel=error \
    && node -p "Object.entries(require('./package-lock.json').packages) \
         .filter(([path]) => path.startsWith('node_modules/@foundry-rs/')) \
         .map(([path, meta]) => path.slice(13) + '@' + meta.version).join('\\n')" \
       | while read -r spec; do \
           tarball="$(cd /tmp && npm pack --silent "$spec")" \
           && mkdir -p "node_modules/${spec%@*}" \
           && tar -xzf "/tmp/$tarball" --strip-components=1 -C "node_modules/${spec%@*}" \
           && rm "/tmp/$tarball" || exit 1; \
         done \
    && ln -s /opt/crossflow/node_modules/@foundry-rs/*-linux-*/bin/* /usr/local/bin/ \
    && anvil --version

COPY pyproject.toml README.md ./
COPY relayer ./relayer
RUN --mount=type=secret,id=ca,required=false \
    if [ -f /run/secrets/ca ]; then export PIP_CERT=/run/secrets/ca; fi \
    && python3 -m venv /opt/venv \
    && /opt/venv/bin/pip install --quiet -e .
ENV PATH=/opt/venv/bin:$PATH

COPY foundry.toml networks.toml ./
COPY contracts ./contracts
COPY scripts ./scripts
COPY examples ./examples
# Compiled once here, so no container compiles at start.
RUN crossflow compile >/dev/null && crossflow toolchain

RUN useradd --create-home --uid 10001 crossflow \
    && mkdir -p /data && chown crossflow /data \
    && chown -R crossflow /opt/crossflow/cache
USER crossflow
ENV CROSSFLOW_MANIFEST_DIR=/data/deployments \
    CROSSFLOW_RELAY__STORE=/data/relay.sqlite \
    CROSSFLOW_KEEPER__STATE_FILE=/data/keeper.sqlite \
    CROSSFLOW_DEVNET__STATE_DIR=/data/devnet
VOLUME /data

# The image is sound when its toolchain resolves; each service adds its own check.
HEALTHCHECK --interval=30s --timeout=10s CMD ["crossflow", "toolchain", "--which", "anvil", "solc"]
ENTRYPOINT ["crossflow"]
CMD ["--help"]

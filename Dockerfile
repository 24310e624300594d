# syntax=docker/dockerfile:1
# meshlog's image. Node 24 runs the TypeScript sources directly (type stripping), so there is no
# compile step: the image is the sources, package.json and the production dependencies. The Helm chart
# (deploy/helm/meshlog) runs it as UID/GID 65532 with a read-only root filesystem; the only writable
# paths are its volumes: /var/lib/meshlog (dead letters) and /tmp. deploy/image/image.test.ts checks
# this file against the chart. Build: see deploy/README.md, "Building the image".

# The Node major must be the one package.json pins (the `node` devDependency the tests run on).
ARG NODE_IMAGE=node:24.21.0-bookworm-slim

# Production dependencies only, exactly as the lockfile has them. No install scripts: no production
# dependency needs one (protobufjs's postinstall only checks its own CLI's optional packages).
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

FROM ${NODE_IMAGE}
# The user the chart's securityContext names (runAsUser/runAsGroup), numeric in USER so the kubelet
# can check runAsNonRoot. No home directory: nothing may be written outside the chart's volumes.
RUN groupadd --gid 65532 meshlog \
  && useradd --uid 65532 --gid 65532 --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin meshlog \
  && mkdir -p /etc/meshlog /var/lib/meshlog \
  && chown 65532:65532 /var/lib/meshlog
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
# Sources keep the repository layout: modules find their data files (protos, the default config, the
# UI page, the Kibana saved objects) relative to themselves. .dockerignore leaves tests out.
COPY package.json ./
COPY pipeline ./pipeline
COPY ingest ./ingest
COPY processors ./processors
COPY exporters ./exporters
COPY deploy/kibana ./deploy/kibana
COPY deploy/fluent-bit ./deploy/fluent-bit
COPY deploy/istio ./deploy/istio
USER 65532:65532
# The chart sets only args (`run --mode <mode> --config /etc/meshlog/meshlog.yaml`, `kibana import`).
# node is PID 1 and needs no init: meshlog handles SIGTERM itself (it drains, then exits) and starts
# no child processes (its workers are threads).
ENTRYPOINT ["node", "pipeline/cli/bin.mjs"]
CMD ["run", "--mode", "all", "--config", "/etc/meshlog/meshlog.yaml"]

# The Sentinel Console's image: the tree scripts/build-standalone.ts makes (Next's standalone output,
# only the node_modules the server needs, the files it reads at run time, and two entries), on
# node:20, as a user that is not root and owns nothing in it.
#   docker build -t sentinel-console:0.1.0 .
#   docker run --env-file console.env sentinel-console:0.1.0 node console-prepare.mjs   # before each start
#   docker run --env-file console.env -p 3000:3000 sentinel-console:0.1.0               # the console
# Kubernetes runs the same two as an init container and the container (deploy/kubernetes).
# tests/integration/launcher/standalone-server.test.ts follows this file: it builds as the build
# stage does, copies what the last stage copies, and starts it with this ENV, USER and CMD.

FROM node:20-bookworm-slim AS build
WORKDIR /src
# npm install, not npm ci (docs/decisions.md: some registries lack optional platform packages the
# lock file lists). Its postinstall generates the Prisma client, from the schema and the script.
COPY package.json package-lock.json prisma.config.ts ./
COPY prisma ./prisma
COPY scripts/prisma-generate.ts ./scripts/
RUN npm install --no-audit --no-fund
COPY . .
RUN node --import tsx scripts/build-standalone.ts

FROM node:20-bookworm-slim
ENV NODE_ENV=production NEXT_TELEMETRY_DISABLED=1 PORT=3000
WORKDIR /app
# Owned by root, read-only to the user that runs it: the server writes nothing in its tree.
COPY --from=build /src/.next/standalone ./
USER 1000:1000
EXPOSE 3000
CMD ["node", "console-server.mjs"]

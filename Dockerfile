# Production image for every app role: `docker run IMAGE worker|web|bot|all`.
# docker-compose.yml runs one container per role from this same image.

# ---- builder: all dependencies, dashboard + TypeScript build, then prune to prod deps ----
FROM node:20-bookworm-slim AS builder
WORKDIR /app
ENV PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1

COPY package.json package-lock.json ./
# Dev dependencies are needed for the build (svelte-kit, vite, typescript).
RUN npm ci --no-audit --no-fund

COPY . .
# build = `cd ui && svelte-kit sync && vite build` (→ ui/build) + `tsc -p tsconfig.build.json` (→ dist/).
# tsc emits only .js, so add what the compiled code reads relative to itself at run time:
#   dist/db/client.js     runs the migrations in ./migrations        → dist/db/migrations
#   dist/api/ui.js        imports ../ui/build/handler.js             → dist/ui/build
#   dist/scripts/temporal.js reads <repoRoot>/temporal-dev.yaml      → dist/temporal-dev.yaml
# The workflow bundle is built here once (dist/workflow-bundle.js, WORKFLOW_BUNDLE_PATH below), so no role runs
# webpack at start. Then drop the dev dependencies: nothing at run time needs tsx or TypeScript.
RUN npm run build \
 && node dist/worker/build-bundle.js dist/workflow-bundle.js \
 && mkdir -p dist/db dist/ui \
 && cp -r db/migrations dist/db/migrations \
 && cp -r ui/build dist/ui/build \
 && cp temporal-dev.yaml dist/temporal-dev.yaml \
 && test -f dist/main.js && test -f dist/ui/build/handler.js && test -f dist/db/migrations/meta/_journal.json \
 && npm prune --omit=dev --no-audit --no-fund

# ---- runtime: Node + Chromium + ffmpeg, production node_modules and dist/ only ----
FROM node:20-bookworm-slim AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends chromium ffmpeg ca-certificates fonts-liberation \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
# glibc malloc: two arenas, and blocks of 32 KB and more mapped apart so they go back to the system when freed —
# V8's compiler zones (PGlite's WebAssembly tier-up above all) otherwise stay resident as fragmentation
# (~95 MB less idle RSS for the all-in-one; bench/README.md, issue 16).
ENV NODE_ENV=production \
    DATA_DIR=/app/data \
    HOST=0.0.0.0 \
    PORT=3000 \
    CHROMIUM_PATH=/usr/bin/chromium \
    WORKFLOW_BUNDLE_PATH=/app/dist/workflow-bundle.js \
    MALLOC_ARENA_MAX=2 \
    MALLOC_MMAP_THRESHOLD_=32768 \
    PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1

# package.json carries "type": "module", which dist/*.js (ESM) needs.
COPY --from=builder --chown=root:root /app/package.json /app/package-lock.json ./
COPY --from=builder --chown=root:root /app/node_modules ./node_modules
COPY --from=builder --chown=root:root /app/dist ./dist

# Code stays root-owned (read-only for the app); only the data dir is writable. A named volume
# mounted here starts as a copy of this directory, so it is owned by `node` too.
RUN mkdir -p /app/data && chown node:node /app/data
USER node

EXPOSE 3000
ENTRYPOINT ["node", "dist/main.js"]
CMD ["all"]

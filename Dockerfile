# bis-scim-bridge: multi-stage build on Node 20 LTS; runs as the unprivileged "node" user.
FROM node:20-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 (the embedded demo BIS) compiles from source when no prebuilt binary matches.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production PORT=8080
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json config.example.yaml ./
COPY mappings ./mappings
COPY demo ./demo
# The command-line tools (check, preview, replay, introspect, ...): `docker exec ... npx bis-scim-bridge check`.
COPY bin ./bin
COPY replay ./replay
# The demo database is written under /app/data; mount a volume there, or point BIS_DEMO_DB elsewhere.
RUN mkdir -p /app/data && chown node:node /app/data
USER node
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "dist/main.js"]

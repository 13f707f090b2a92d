# One image for every application process; the compose file and the Kubernetes manifests pick
# the process with the command. Multi-stage: compile TypeScript, then ship only runtime deps.
# Node 24 is the current LTS (Node 20 reached its end of life in April 2026); CI runs the unit
# and workflow tiers on Node 24 too (.ci/run).
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
RUN npm run build

FROM node:24-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force
COPY --from=build /app/dist ./dist
USER node
# Overridden per service (see docker-compose.yml).
CMD ["node", "dist/api/main.js"]

#!/bin/sh
# Writes the .env that docker-compose.yml requires, with freshly generated secrets (the keys of
# .env.example). Never overwrites: the databases keep the passwords of their first start, and
# payloads written with a codec key need that key for as long as they are kept.
#   sh deploy/compose/init-env.sh [file]    (default: .env at the repository root)
set -eu
target=${1:-"$(dirname "$0")/../../.env"}
if [ -e "$target" ]; then
  echo "$target exists: not overwritten (delete it only together with the compose volumes)" >&2
  exit 1
fi
# Letters and digits only: the MongoDB password goes into a connection URL.
random() { LC_ALL=C tr -dc 'A-Za-z0-9' </dev/urandom | head -c "$1"; }
umask 077
cat >"$target" <<ENV
POSTGRES_PASSWORD=$(random 32)
MONGO_INITDB_ROOT_USERNAME=order-saga
MONGO_INITDB_ROOT_PASSWORD=$(random 32)
JWT_SECRET=$(random 48)
JWT_ISSUER=order-saga-compose
JWT_AUDIENCE=order-saga-api
PAYMENT_WEBHOOK_SECRET=$(random 32)
CODEC_KEYS=compose-1:$(head -c 32 /dev/urandom | base64 | tr -d '\n')
GRAFANA_ADMIN_PASSWORD=$(random 24)
ENV
echo "wrote $target"

#!/bin/sh
# ECS hands the Redis auth token over as a secret of its own, and Shoebox takes one Redis URL:
# compose it here, so the token never sits in the task definition. (PostgreSQL's password comes as
# PGPASSWORD, which the pg client reads by itself.)
set -eu
if [ -n "${REDIS_AUTH_TOKEN:-}" ] && [ -n "${REDIS_ENDPOINT:-}" ] && [ -z "${SHOEBOX_REDIS_URL:-}" ]; then
  export SHOEBOX_REDIS_URL="rediss://:${REDIS_AUTH_TOKEN}@${REDIS_ENDPOINT}/0"
fi
exec shoebox "$@"

#!/usr/bin/env bash
# Makes sure what the test suite needs is there: installs Debian's Chromium for the browser tests
# when it is missing, and starts PostgreSQL and Redis when they are installed but not running.
# Safe to run repeatedly.
set -uo pipefail

chromium="${SHOEBOX_TEST_CHROMIUM:-/usr/bin/chromium}"
if [ ! -x "$chromium" ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing Chromium for the browser tests"
  as_root=""
  [ "$(id -u)" = 0 ] || as_root="sudo"
  # Package lists are refreshed only when the package cannot be found without it.
  $as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium \
    || { $as_root apt-get update -q && $as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; } \
    || echo "could not install Chromium: the browser tests will fail where SHOEBOX_TEST_REQUIRE_BROWSER=1"
fi

if command -v pg_ctlcluster >/dev/null 2>&1 && ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  echo "starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
fi
if command -v redis-server >/dev/null 2>&1 && ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  echo "starting Redis"
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log || true
fi
for _ in $(seq 1 30); do
  pg_ok=1; redis_ok=1
  command -v pg_isready >/dev/null 2>&1 && { pg_isready -h 127.0.0.1 -p 5432 -q || pg_ok=0; }
  command -v redis-cli >/dev/null 2>&1 && { redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 || redis_ok=0; }
  [ "$pg_ok" = 1 ] && [ "$redis_ok" = 1 ] && break
  sleep 1
done
exit 0

#!/usr/bin/env bash
# Debian packages Fogbank needs: database engines and the browser for console tests.
# Idempotent and quiet when everything is present; needs root (or sudo) otherwise.
set -euo pipefail
packages=(mariadb-server mariadb-backup memcached redis-server chromium chromium-driver wrk unzip)
missing=()
for pkg in "${packages[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "Installing Debian packages: ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# The distribution's own MariaDB service is not ours: Fogbank starts its own servers.
if command -v systemctl >/dev/null 2>&1; then $sudo systemctl disable --now mariadb >/dev/null 2>&1 || true; fi
$sudo service mariadb stop >/dev/null 2>&1 || true
# Nor are the distribution's redis-server and memcached services: Fogbank runs its own nodes.
for svc in redis-server memcached; do
  if command -v systemctl >/dev/null 2>&1; then $sudo systemctl disable --now "$svc" >/dev/null 2>&1 || true; fi
  $sudo service "$svc" stop >/dev/null 2>&1 || true
done

#!/usr/bin/env bash
# Installs the Debian packages the integration tests start for real (redis-server,
# stunnel4, socat, promtool, chromium). Under CI a package that cannot be installed
# is a failure: the tests that need it must never be skipped silently.
set -uo pipefail
need=()
command -v redis-server >/dev/null || need+=(redis-server)
command -v stunnel4 >/dev/null || command -v stunnel >/dev/null || need+=(stunnel4)
command -v socat >/dev/null || need+=(socat)
command -v openssl >/dev/null || need+=(openssl)  # self-signed certificates of the TLS tests
command -v promtool >/dev/null || need+=(prometheus)
command -v chromium >/dev/null || need+=(chromium)
command -v chromedriver >/dev/null || need+=(chromium-driver)
# validates docker-compose.yml offline (no Docker engine needed)
command -v docker-compose >/dev/null || docker compose version >/dev/null 2>&1 || need+=(docker-compose)
[ ${#need[@]} -eq 0 ] && exit 0
echo "installing Debian packages: ${need[*]}"
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
if $sudo apt-get update -qq && $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null; then
  # Debian enables some of these as services; the tests start their own.
  exit 0
fi
echo "could not install: ${need[*]}" >&2
if [ "${CI:-}" = "true" ]; then exit 1; fi
echo "continuing: the tests that need them will fail with a clear message" >&2
exit 0

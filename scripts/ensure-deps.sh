#!/bin/sh
# Installs what the project needs on a fresh Debian machine with Node >= 20:
#   - npm packages (npm ci when node_modules is missing or older than package-lock.json);
#   - for `test`: the Debian packages the tests drive (socat, mbpoll, libcoap3-bin, iproute2, tshark, nftables, mosquitto, openssl, chromium, python3, systemd, postgresql),
#     via apt-get when root (noninteractive: tshark's "non-root capture" question takes its default, no).
# Usage: sh scripts/ensure-deps.sh [run|test]
set -eu
purpose=${1:-run}
cd "$(dirname "$0")/.."

debian_packages=""
if [ "$purpose" = test ]; then
  command -v socat >/dev/null 2>&1 || debian_packages="$debian_packages socat"
  command -v mbpoll >/dev/null 2>&1 || debian_packages="$debian_packages mbpoll"
  command -v coap-client-notls >/dev/null 2>&1 || debian_packages="$debian_packages libcoap3-bin"
  command -v ip >/dev/null 2>&1 || debian_packages="$debian_packages iproute2"
  command -v tshark >/dev/null 2>&1 || debian_packages="$debian_packages tshark"
  [ -x /usr/sbin/nft ] || command -v nft >/dev/null 2>&1 || debian_packages="$debian_packages nftables"
  [ -x /usr/sbin/mosquitto ] || command -v mosquitto >/dev/null 2>&1 || debian_packages="$debian_packages mosquitto"
  command -v openssl >/dev/null 2>&1 || debian_packages="$debian_packages openssl"
  [ -x /usr/bin/chromium ] || debian_packages="$debian_packages chromium"
  command -v python3 >/dev/null 2>&1 || debian_packages="$debian_packages python3"
  { command -v systemd-analyze && command -v systemd-notify; } >/dev/null 2>&1 || debian_packages="$debian_packages systemd"
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || debian_packages="$debian_packages postgresql"
fi
if [ -n "$debian_packages" ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "installing Debian packages:$debian_packages"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $debian_packages >/dev/null
  else
    echo "error: the tests need:$debian_packages; install with: sudo apt-get install -y$debian_packages" >&2
    exit 1
  fi
fi

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "installing npm packages (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
fi

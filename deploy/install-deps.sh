#!/usr/bin/env bash
# Installs every Debian package that building, running and testing latchkey needs.
# Safe to run again: apt-get skips what is already installed.
set -euo pipefail

packages=(
    build-essential cmake pkg-config git ca-certificates
    libh2o-evloop-dev libssl-dev libjwt-dev libjansson-dev libpq-dev
    libsodium-dev libhiredis-dev libcmocka-dev libcurl4-openssl-dev
    postgresql redis-server nginx-light john-data openssl curl jq
    nodejs
)

if [ "$(id -u)" -ne 0 ]; then
    sudo="sudo"
else
    sudo=""
fi

export DEBIAN_FRONTEND=noninteractive
missing=()
for package in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$package")
    fi
done

if [ "${#missing[@]}" -eq 0 ] && command -v npm >/dev/null 2>&1; then
    echo "install-deps: all packages already installed"
    exit 0
fi

echo "install-deps: installing ${missing[*]}"
$sudo apt-get update -q
if [ "${#missing[@]}" -gt 0 ]; then
    $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# Debian's nodejs package ships npm separately, while some images carry a nodejs build
# that bundles npm and conflicts with Debian's npm package: install npm only when absent.
if ! command -v npm >/dev/null 2>&1; then
    $sudo apt-get install -y -q --no-install-recommends npm
fi

# The Debian packages enable and start system services on install; latchkey's scripts
# start their own throwaway servers instead, so stop the system ones if they were started.
for service in postgresql redis-server nginx; do
    if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet "$service" 2>/dev/null; then
        $sudo systemctl stop "$service" || true
    fi
done

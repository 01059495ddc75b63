#!/usr/bin/env bash
# Idempotent set-up for a fresh Debian machine of this kind: system packages, a virtualenv
# resolved from requirements.lock, the project installed in editable mode.
# Usage: scripts/setup.sh [--test]   (--test also installs what the test suite needs)
set -euo pipefail
cd "$(dirname "$0")/.."
WITH_TEST=0
[[ "${1:-}" == "--test" ]] && WITH_TEST=1

apt_packages=(fonts-wqy-microhei fonts-wqy-zenhei)
if [[ $WITH_TEST == 1 ]]; then
  apt_packages+=(chromium poppler-utils)
fi
missing=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if (( ${#missing[@]} )); then
  SUDO=""; [[ $(id -u) != 0 ]] && SUDO="sudo"
  echo "setup: installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

VENV=${IPSTATS_VENV:-.venv}
if [[ ! -x "$VENV/bin/uv" ]]; then
  python3.11 -m venv "$VENV" 2>/dev/null || python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q "uv==0.13.9"
fi
stamp="$VENV/.lock-$(sha256sum requirements.lock pyproject.toml | sha256sum | cut -c1-16)"
if [[ ! -f "$stamp" ]]; then
  echo "setup: installing Python dependencies from requirements.lock"
  VIRTUAL_ENV="$VENV" "$VENV/bin/uv" pip install -q -r requirements.lock
  VIRTUAL_ENV="$VENV" "$VENV/bin/uv" pip install -q --no-deps -e .
  # Byte-compile once: with PYTHONDONTWRITEBYTECODE set (as on CI), every process would otherwise
  # compile Airflow and Great Expectations from source at import (GX: 20-30 s instead of 7 s).
  "$VENV/bin/python" -m compileall -q -j 0 "$VENV/lib" >/dev/null 2>&1 || true
  rm -f "$VENV"/.lock-* && touch "$stamp"
fi

#!/usr/bin/env bash
# tools/install-deps.sh: installs what building and testing minivm needs on Debian 12
# (or Ubuntu), non-interactively; safe to re-run. Run as root (or with sudo available).
#   gcc meson ninja-build pkg-config  the build
#   libgmp-dev                        big integers
#   libcriterion-dev                  the C unit tests
#   libffi-dev libedit-dev            the ffi module and the interactive prompt
#   python3                           the reference implementation for tests/regen.sh
set -euo pipefail

PACKAGES=(meson ninja-build pkg-config gcc libgmp-dev libcriterion-dev libffi-dev libedit-dev python3 tmux)

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO=(sudo)
    else
        echo "install-deps.sh: run as root (or install sudo)" >&2
        exit 1
    fi
fi

export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update </dev/null
"${SUDO[@]}" apt-get install -y --no-install-recommends "${PACKAGES[@]}" </dev/null
echo "install-deps.sh: all build dependencies are installed"

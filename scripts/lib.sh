# shellcheck shell=bash
# Helpers shared by scripts/*: sourced, never executed. Defines PARLEY_ROOT and functions to
# check/install the apt packages, find Swift, and pick the Python that runs the e2e tests.

# shellcheck disable=SC2034 # used by the scripts that source this file
PARLEY_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# C libraries behind the system-library targets (Package.swift) and pkg-config to find them.
PARLEY_APT_PACKAGES=(libssl-dev libsrtp2-dev libopus-dev libvpx-dev pkg-config)
# Python packages of tests/e2e, tests/schemathesis and scripts/bench-forward (PyPI), and the
# modules that prove them.
PARLEY_PIP_PACKAGES=("aiortc>=1.16,<2" "aiohttp>=3.9,<4" "numpy" "pytest>=7" "schemathesis==4.32.5")
PARLEY_PIP_IMPORTS="aiortc, aioice, av, aiohttp, numpy, pytest, schemathesis"
# Used when the system Python refuses pip installs (Debian's PEP 668 "externally managed").
PARLEY_VENV="${PARLEY_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/parley/venv}"

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Run a command as root: directly when we are root, else through sudo.
as_root() {
    if [ "$(id -u)" = 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        die "need root (or sudo) to run: $*"
    fi
}

# Print the packages (PARLEY_APT_PACKAGES plus any arguments) that dpkg does not list as installed.
missing_apt_packages() {
    local p
    for p in "${PARLEY_APT_PACKAGES[@]}" "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || printf '%s\n' "$p"
    done
}

# Install whatever missing_apt_packages reports (same arguments). No-op when nothing is missing.
ensure_apt_packages() {
    local missing
    command -v dpkg-query >/dev/null 2>&1 || die "no dpkg: install ${PARLEY_APT_PACKAGES[*]} (or their equivalents) yourself"
    missing="$(missing_apt_packages "$@" | tr '\n' ' ')"
    [ -z "${missing// /}" ] && return 0
    log "installing apt packages: $missing"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
    # shellcheck disable=SC2086 # word splitting of the package list is intended
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing
}

# Make sure `swift` is on PATH (the toolchain lives in /opt/swift on the project's machines).
ensure_swift() {
    command -v swift >/dev/null 2>&1 && return 0
    local dir
    for dir in /opt/swift/usr/bin /usr/share/swift/usr/bin /usr/local/swift/usr/bin; do
        if [ -x "$dir/swift" ]; then
            export PATH="$dir:$PATH"
            return 0
        fi
    done
    die "Swift toolchain not found: install Swift 6 for Linux and put its usr/bin on PATH"
}

# The Python interpreter for the e2e tests: $PARLEY_PYTHON, else the venv if it was made, else python3.
parley_python() {
    if [ -n "${PARLEY_PYTHON:-}" ]; then
        printf '%s\n' "$PARLEY_PYTHON"
    elif [ -x "$PARLEY_VENV/bin/python" ]; then
        printf '%s\n' "$PARLEY_VENV/bin/python"
    elif command -v python3 >/dev/null 2>&1; then
        command -v python3
    else
        die "python3 not found (apt-get install python3)"
    fi
}

python_deps_ok() { "$1" -c "import $PARLEY_PIP_IMPORTS" >/dev/null 2>&1; }

python_externally_managed() {
    "$1" -c 'import os, sys, sysconfig; sys.exit(0 if os.path.exists(os.path.join(sysconfig.get_path("stdlib"), "EXTERNALLY-MANAGED")) else 1)'
}

# Install the e2e Python packages: into python3 itself when pip may write there, otherwise into
# a virtual environment at $PARLEY_VENV (which parley_python then picks).
ensure_python_deps() {
    local py
    py="$(parley_python)"
    python_deps_ok "$py" && return 0
    if [ "$py" != "$PARLEY_VENV/bin/python" ] && "$py" -m pip --version >/dev/null 2>&1 \
        && ! python_externally_managed "$py"; then
        log "pip install into $py: ${PARLEY_PIP_PACKAGES[*]}"
        if "$py" -m pip install -q --disable-pip-version-check "${PARLEY_PIP_PACKAGES[@]}" && python_deps_ok "$py"; then
            return 0
        fi
        log "pip install into $py did not work; using a virtual environment instead"
    fi
    if ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
        ensure_apt_packages python3-venv
    fi
    if [ ! -x "$PARLEY_VENV/bin/python" ]; then
        log "creating virtual environment $PARLEY_VENV"
        mkdir -p "$(dirname "$PARLEY_VENV")"
        python3 -m venv "$PARLEY_VENV"
    fi
    log "pip install into $PARLEY_VENV: ${PARLEY_PIP_PACKAGES[*]}"
    "$PARLEY_VENV/bin/python" -m pip install -q --disable-pip-version-check "${PARLEY_PIP_PACKAGES[@]}"
    python_deps_ok "$PARLEY_VENV/bin/python" || die "the e2e Python packages still do not import in $PARLEY_VENV"
}

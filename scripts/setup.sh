# shellcheck shell=bash
# What `scripts/dev` and `scripts/test` need on a fresh machine, installed when missing (sourced
# by both, from the repository root). Each step checks first and prints exactly what it
# installs, so a second run installs nothing; anything that cannot be installed stops the
# script with a one-line reason.
#
#   1. System packages (Debian/Ubuntu `apt-get`, as root or through `sudo`): a C/C++ toolchain,
#      make, perl and pkg-config (wasm-opt, OpenSSL and jemalloc are built from source), protoc
#      (litep2p's protobuf definitions), git, Python 3 with `venv`, and curl (scripts/dev).
#   2. The Rust toolchain pinned in rust-toolchain.toml, with its wasm targets and components,
#      through rustup (which the machine must have: https://rustup.rs).
#   3. With `--python`: the Python packages of the engine's reference tests
#      (engine/tests/requirements.txt) in a virtual environment, `$INFERCHAIN_VENV` (default
#      `.venv` in the clone; it sees the system's packages, so pinned packages already installed
#      there are not downloaded again). The tests find it through `PYTHON`, exported here.
#
# Network use is limited to the package registries (apt, rustup, PyPI).

# Stops the calling script with a one-line reason.
setup_fail() {
  echo "setup: $*" >&2
  exit 1
}

# Installs the missing system packages.
setup_system_packages() {
  local packages=()
  local tool package
  for pair in cc:build-essential c++:build-essential make:build-essential perl:perl \
    pkg-config:pkg-config protoc:protobuf-compiler git:git python3:python3 curl:curl; do
    tool="${pair%%:*}"
    package="${pair#*:}"
    if ! command -v "$tool" >/dev/null 2>&1 && [[ " ${packages[*]} " != *" $package "* ]]; then
      packages+=("$package")
    fi
  done
  if command -v python3 >/dev/null 2>&1 && ! python3 -c 'import ensurepip, venv' 2>/dev/null; then
    packages+=(python3-venv)
  fi
  ((${#packages[@]})) || return 0
  local sudo=()
  if [ "$(id -u)" != 0 ]; then
    sudo -n true 2>/dev/null ||
      setup_fail "missing system packages ${packages[*]}; install them as root (or give this user sudo)"
    sudo=(sudo)
  fi
  command -v apt-get >/dev/null 2>&1 ||
    setup_fail "missing system packages ${packages[*]} and no apt-get to install them: install them by hand"
  echo "setup: installing system packages: ${packages[*]}"
  "${sudo[@]}" apt-get update -qq >/dev/null ||
    setup_fail "apt-get update failed"
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${packages[@]}" >/dev/null ||
    setup_fail "apt-get could not install ${packages[*]}"
}

# Installs the pinned Rust toolchain, its targets and components, when missing.
setup_rust() {
  command -v rustup >/dev/null 2>&1 ||
    setup_fail "rustup is required: install it from https://rustup.rs, then run this again"
  local channel
  channel="$(sed -n 's/^channel *= *"\(.*\)"/\1/p' rust-toolchain.toml)"
  [ -n "$channel" ] || setup_fail "rust-toolchain.toml names no channel"
  if ! rustup toolchain list | grep -q "^$channel"; then
    echo "setup: installing the Rust toolchain $channel (rust-toolchain.toml)"
    rustup toolchain install "$channel" --profile minimal >/dev/null ||
      setup_fail "rustup could not install the toolchain $channel"
  fi
  local wanted installed missing=()
  installed="$(rustup target list --installed --toolchain "$channel")"
  for wanted in $(sed -n 's/^targets *= *\[\(.*\)\]/\1/p' rust-toolchain.toml | tr -d '",'); do
    grep -qx "$wanted" <<<"$installed" || missing+=("$wanted")
  done
  if ((${#missing[@]})); then
    echo "setup: adding Rust targets: ${missing[*]}"
    rustup target add --toolchain "$channel" "${missing[@]}" >/dev/null ||
      setup_fail "rustup could not add the targets ${missing[*]}"
  fi
  missing=()
  installed="$(rustup component list --installed --toolchain "$channel")"
  for wanted in $(sed -n 's/^components *= *\[\(.*\)\]/\1/p' rust-toolchain.toml | tr -d '",'); do
    grep -q "^$wanted" <<<"$installed" || missing+=("$wanted")
  done
  if ((${#missing[@]})); then
    echo "setup: adding Rust components: ${missing[*]}"
    rustup component add --toolchain "$channel" "${missing[@]}" >/dev/null ||
      setup_fail "rustup could not add the components ${missing[*]}"
  fi
}

# Creates the virtual environment and installs the reference tests' Python packages that are
# missing or at another version; exports `PYTHON`.
setup_python() {
  local venv="${INFERCHAIN_VENV:-$PWD/.venv}"
  local requirements=engine/tests/requirements.txt
  if [ ! -x "$venv/bin/python3" ]; then
    echo "setup: creating the Python virtual environment $venv"
    python3 -m venv --system-site-packages "$venv" ||
      setup_fail "python3 -m venv could not create $venv"
  fi
  local missing
  missing="$("$venv/bin/python3" - "$requirements" <<'PY'
import importlib.metadata as md
import sys

for line in open(sys.argv[1]):
    line = line.split("#")[0].strip()
    if not line:
        continue
    name, _, version = line.partition("==")
    try:
        if version and md.version(name) != version:
            print(line)
    except md.PackageNotFoundError:
        print(line)
PY
)" || setup_fail "$venv/bin/python3 cannot read $requirements"
  if [ -n "$missing" ]; then
    echo "setup: installing Python packages into $venv:" $missing
    # shellcheck disable=SC2086
    "$venv/bin/python3" -m pip install --quiet --disable-pip-version-check $missing ||
      setup_fail "pip could not install the packages of $requirements into $venv"
  fi
  export PYTHON="$venv/bin/python3"
}

# Runs the set-up; `--python` adds the reference tests' Python packages.
inferchain_setup() {
  setup_system_packages
  setup_rust
  if [ "${1:-}" = --python ]; then
    setup_python
  fi
}

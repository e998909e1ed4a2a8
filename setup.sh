#!/usr/bin/env bash
# Installs deid's build dependencies (Debian 12 packages only) and builds it
# into build/. Safe to run again: packages already present are not reinstalled.
set -euo pipefail
cd "$(dirname "$0")"

packages=(
  build-essential cmake ninja-build pkg-config
  tao-pegtl-dev libdcmtk-dev dcmtk liblua5.4-dev libre2-dev libssl-dev
  libcli11-dev nlohmann-json3-dev libgoogle-perftools-dev libgtest-dev libgmock-dev googletest libbenchmark-dev
  libpng-dev libopenjp2-7-dev libxml2-dev libsqlite3-dev python3 clang libclang-rt-14-dev
  libgdcm-dev libgdcm-tools  # bench/ (gdcmanon)
  man-db file  # tests/install: man ./deid.1; cpack -G DEB (with dpkg-dev, from build-essential)
)

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if ((${#missing[@]} > 0)); then
  echo "setup.sh: installing ${missing[*]}"
  sudo=()
  if [[ $(id -u) -ne 0 ]]; then
    if ! command -v sudo >/dev/null 2>&1; then
      echo "setup.sh: not root and no sudo; as root run: apt-get install ${missing[*]}" >&2
      exit 1
    fi
    sudo=(sudo)
  fi
  "${sudo[@]}" apt-get update
  # env, not a prefix assignment: sudo would drop the variable.
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
fi

# DEID_CMAKE_ARGS adds configure options (CI: -DDEID_WERROR=ON).
# shellcheck disable=SC2086
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo ${DEID_CMAKE_ARGS:-}
cmake --build build -j"$(nproc)"

#!/usr/bin/env bash
# cpack -G DEB into a temporary folder: the two packages hold what they
# should, declare their Debian 12 dependencies, apt can resolve them
# (apt-get --simulate install ./deid_*.deb ./deid-dev_*.deb), and the
# command and library unpacked from the package run.
#   deb_test.sh BUILD_DIR SHARED_DIR
set -euo pipefail
build=$1 shared=$2
work=$(mktemp -d "${TMPDIR:-/tmp}/deid-deb-test.XXXXXX")
trap '[[ -n ${KEEP:-} ]] || rm -rf "$work"' EXIT
fail() { echo "deb_test: $*" >&2; exit 1; }

cpack --config "$build/CPackConfig.cmake" -G DEB -B "$work" >"$work/cpack.log" 2>&1 || { cat "$work/cpack.log"; fail "cpack failed"; }
deb=$(find "$work" -maxdepth 1 -name 'deid_*.deb')
dev=$(find "$work" -maxdepth 1 -name 'deid-dev_*.deb')
[[ -f $deb && -f $dev ]] || fail "cpack made: $(ls "$work")"

depends=$(dpkg-deb -f "$deb" Depends)
for package in libdcmtk17 liblua5.4-0 libre2-9 libssl3 libopenjp2-7 libtcmalloc-minimal4 libstdc++6; do
  [[ ", $depends," == *", $package "* || ", $depends," == *", $package,"* ]] || fail "deid does not depend on $package: $depends"
done
version=$(dpkg-deb -f "$deb" Version)
dev_depends=$(dpkg-deb -f "$dev" Depends)
grep -qF "deid (= $version)" <<<"$dev_depends" || fail "deid-dev does not depend on deid $version: $dev_depends"
grep -qF "libdcmtk-dev" <<<"$dev_depends" || fail "deid-dev does not depend on libdcmtk-dev: $dev_depends"

contents=$(dpkg-deb -c "$deb" | awk '{ print $6 }')
for path in ./usr/bin/deid ./usr/lib/libdeid.so.0 ./usr/share/man/man1/deid.1 \
            ./usr/share/bash-completion/completions/deid ./usr/share/deid/recipes/deid.dicom \
            ./usr/share/deid/recipes/profiles/deid.profile.basic; do
  grep -qx -- "$path" <<<"$contents" || fail "deid lacks $path"
done
dev_contents=$(dpkg-deb -c "$dev" | awk '{ print $6 }')
for path in ./usr/include/deid/deid.hpp ./usr/lib/libdeid.so ./usr/lib/cmake/deid/deidConfig.cmake; do
  grep -qx -- "$path" <<<"$dev_contents" || fail "deid-dev lacks $path"
done
if grep -q "include/deid/" <<<"$contents"; then fail "deid holds headers"; fi

# Every dependency exists in the configured archives (or is installed).
simulation=$(apt-get --simulate install "$deb" "$dev" 2>&1) || fail "apt cannot install the packages: $simulation"
grep -q "^Conf deid " <<<"$simulation" || fail "apt would not install deid: $simulation"

# The packaged program runs from the unpacked tree.
dpkg-deb -x "$deb" "$work/root"
[[ $("$work/root/usr/bin/deid" --version) == "deid ${version%-*}" ]] || fail "deid --version: $("$work/root/usr/bin/deid" --version)"
# The profile's per-user pseudonym key goes under XDG_DATA_HOME: not into the real home.
XDG_DATA_HOME="$work/xdg" "$work/root/usr/bin/deid" put "$shared/data/dicom/deid-data/humans/ctbrain1.dcm" -o "$work/out" -q >"$work/put.log" 2>&1 ||
  { cat "$work/put.log"; fail "the packaged deid put failed"; }
# The profile lays outputs out by their new UIDs (PATIENT/STUDY/SERIES/INSTANCE.dcm).
[[ $(find "$work/out" -name '*.dcm' | wc -l) == 1 ]] || fail "the packaged deid put wrote nothing"
echo "deb_test: $(basename "$deb") and $(basename "$dev"): contents, dependencies and apt resolution"

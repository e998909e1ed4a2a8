#!/usr/bin/env bash
# cmake --install into a temporary prefix, then build examples/embed against
# that prefix alone (a copy of the example, outside the source tree) and run
# it on a real DICOM file.
#   install_test.sh BUILD_DIR SOURCE_DIR SHARED_DIR GENERATOR CXX_COMPILER
set -euo pipefail
build=$1 source=$2 shared=$3 generator=$4 compiler=$5
work=$(mktemp -d "${TMPDIR:-/tmp}/deid-install-test.XXXXXX")
trap '[[ -n ${KEEP:-} ]] || rm -rf "$work"' EXIT
prefix=$work/prefix
fail() { echo "install_test: $*" >&2; exit 1; }

cmake --install "$build" --prefix "$prefix" >"$work/install.log" || { cat "$work/install.log"; fail "cmake --install failed"; }
config=$(cd "$prefix" && find lib* -path '*/cmake/deid/deidConfig.cmake' | head -1)
[[ -n $config ]] || fail "no CMake package config under $prefix/lib"
libdir=${config%/cmake/deid/deidConfig.cmake}
for file in bin/deid "$libdir/libdeid.so" "$libdir/libdeid.so.0" include/deid/deid.hpp \
            "$libdir/cmake/deid/deidConfig.cmake" "$libdir/cmake/deid/deidConfigVersion.cmake" \
            "$libdir/cmake/deid/deidTargets.cmake" share/man/man1/deid.1 share/bash-completion/completions/deid \
            share/deid/recipes/deid.dicom share/deid/recipes/profiles/deid.profile.basic \
            share/deid/recipes/examples/research-ids/lookup.lua share/doc/deid/README.md; do
  [[ -e $prefix/$file ]] || fail "not installed: $file"
done
# The headers an embedder gets are the public API, nothing of deid's insides.
[[ $(cd "$prefix/include" && find . -type f) == ./deid/deid.hpp ]] || fail "other headers installed: $(cd "$prefix/include" && find . -type f)"
"$prefix/bin/deid" --version | grep -qx "deid [0-9.]*" || fail "installed deid --version"

# The example, copied out of the source tree, sees only the prefix.
cp -r "$source/examples/embed" "$work/embed"
cmake -S "$work/embed" -B "$work/embed-build" -G "$generator" -DCMAKE_CXX_COMPILER="$compiler" \
      -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF \
      >"$work/configure.log" 2>&1 || { cat "$work/configure.log"; fail "the example does not configure"; }
grep -q "^deid_DIR:PATH=$prefix/" "$work/embed-build/CMakeCache.txt" || fail "deid was not found in the prefix: $(grep ^deid_DIR "$work/embed-build/CMakeCache.txt")"
cmake --build "$work/embed-build" >"$work/build.log" 2>&1 || { cat "$work/build.log"; fail "the example does not build"; }
if grep -rqF "$source" "$work/embed-build" --include=*.ninja --include=Makefile --include=flags.make --include=link.txt; then
  fail "the example's build names the source tree $source"
fi

input=$shared/data/dicom/deid-data/humans/ctbrain1.dcm
"$prefix/bin/deid" keygen "$work/site.key" >/dev/null || fail "installed deid keygen"
"$work/embed-build/embed_example" "$input" "$work/out/ctbrain1.dcm" EMBED-0001 "$work/site.key" >"$work/stdout" 2>"$work/stderr" ||
  { cat "$work/stdout" "$work/stderr"; fail "the example failed"; }
[[ ! -s $work/stderr ]] || fail "the example printed: $(cat "$work/stderr")"
grep -qx "PatientID = EMBED-0001 (site.deid:3)" "$work/stdout" || { cat "$work/stdout"; fail "no PatientID line"; }
grep -qE "^[0-9]+ changes, written to $work/out/ctbrain1.dcm$" "$work/stdout" || { cat "$work/stdout"; fail "no summary line"; }
dump=$(dcmdump +P PatientID +P PatientName +P DeidentificationMethod +P PatientIdentityRemoved "$work/out/ctbrain1.dcm" 2>/dev/null)
grep -q "(0010,0020) LO \[EMBED-0001\]" <<<"$dump" || fail "output PatientID: $dump"
grep -q "(0010,0010) PN (no value available)" <<<"$dump" || fail "output PatientName: $dump"
grep -q "(0012,0063) LO \[deid [0-9.]*\\\\Basic Application Confidentiality Profile\\\\pseudonym key" <<<"$dump" || fail "output DeidentificationMethod: $dump"
grep -q "(0012,0062) CS \[YES\]" <<<"$dump" || fail "output PatientIdentityRemoved: $dump"
cmp -s "$input" "$work/out/ctbrain1.dcm" && fail "the output is the input"
echo "install_test: installed to a prefix, built examples/embed against it, de-identified $(basename "$input")"

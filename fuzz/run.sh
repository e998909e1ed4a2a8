#!/usr/bin/env bash
# Fuzz the recipe parser and resolver with libFuzzer under ASan and UBSan.
#   fuzz/run.sh [seconds]     (default 60)
# Seeds: every file under ../shared/recipes-reference, recipes/ and fuzz/seeds/
# (groups that name each other, cycles included); tokens from fuzz/recipe.dict.
# Crashing inputs are written to fuzz/artifacts/.
set -euo pipefail
cd "$(dirname "$0")/.."
# -fconstexpr-steps: the private dictionary's 8,000 constexpr rows need more
# steps than clang allows by default (GCC has no such limit).
seconds="${1:-60}"
sanitizers="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DDEID_FUZZ=ON -DDEID_BUILD_TESTS=OFF -DDEID_WERROR=OFF \
  -DCMAKE_CXX_FLAGS="$sanitizers -fsanitize=fuzzer-no-link -fconstexpr-steps=100000000" \
  -DCMAKE_EXE_LINKER_FLAGS="$sanitizers"
cmake --build build-fuzz --target recipe_fuzzer -j"$(nproc)"
mkdir -p fuzz/corpus fuzz/artifacts
# Every file of both trees, named by its path so equal basenames do not collide.
seeds=(recipes fuzz/seeds)
if [[ -d ../shared/recipes-reference ]]; then
  seeds+=(../shared/recipes-reference)
else
  echo "fuzz/run.sh: ../shared/recipes-reference not found; seeding from recipes/ only" >&2
fi
while IFS= read -r -d '' f; do
  name="${f#../shared/}"
  cp "$f" "fuzz/corpus/seed_${name//\//_}"
done < <(find "${seeds[@]}" -type f -print0)
# Plans are evaluated on a real file with private elements and nested sequences.
export DEID_FUZZ_DICOM=../shared/data/dicom/deid-data/humans/ctbrain1.dcm
build-fuzz/fuzz/recipe_fuzzer fuzz/corpus -dict=fuzz/recipe.dict -max_len=4096 -timeout=5 -max_total_time="$seconds" \
  -artifact_prefix=fuzz/artifacts/ -print_final_stats=1

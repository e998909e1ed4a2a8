#!/usr/bin/env bash
# How `deid lint` scales with the length of a recipe (issue: lint must be
# O(n log n) in recipe lines). Generates recipes of N lines in three shapes
# and times one lint of each; a benchmark, never a test.
#   bench/lint_scaling.sh [N ...]      (default: 20000 100000 300000)
# Shapes:
#   same      N times `REMOVE PatientName` (the quadratic case found before)
#   distinct  REMOVE/BLANK/REPLACE/KEEP/JITTER cycling over every keyword DCMTK knows
#   mixed     half plain keywords, half `BLANK contains:...` expanders
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("$@")
((${#sizes[@]})) || sizes=(20000 100000 300000)
cmake --build build --target deid >/dev/null
work=$(mktemp -d /tmp/deid-lint-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
dictionary=$(find /usr/share -name dicom.dic -path '*dcmtk*' | head -1)

python3 - "$work" "$dictionary" "${sizes[@]}" <<'PY'
import sys
work, dictionary, sizes = sys.argv[1], sys.argv[2], [int(n) for n in sys.argv[3:]]
words = sorted({p[2] for p in (l.split('\t') for l in open(dictionary, errors='ignore') if not l.startswith('#'))
                if len(p) > 2 and 'x' not in p[0] and not p[2].startswith('RETIRED')})
actions = ['REMOVE {}', 'BLANK {}', 'REPLACE {} X', 'KEEP {}', 'JITTER {} 1']
patterns = ['Patient', 'Physician', 'Date', 'UID']
for n in sizes:
    shapes = {
        'same': lambda i: 'REMOVE PatientName',
        'distinct': lambda i: actions[i % 5].format(words[i % len(words)]),
        'mixed': lambda i: f'REMOVE {words[i % len(words)]}' if i % 2 == 0 else f'BLANK contains:{patterns[i % 4]}',
    }
    for shape, line in shapes.items():
        with open(f'{work}/{shape}-{n}.deid', 'w') as f:
            f.write('FORMAT dicom\n%header\n' + ''.join(line(i) + '\n' for i in range(n)))
PY

printf '| lines | same | distinct | mixed |\n| ---: | ---: | ---: | ---: |\n'
for n in "${sizes[@]}"; do
  row="| $n |"
  for shape in same distinct mixed; do
    start=$EPOCHREALTIME
    build/deid lint "$work/$shape-$n.deid" >/dev/null 2>&1 || true   # the recipes have findings
    end=$EPOCHREALTIME
    row+=" $(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f s", b - a }') |"
  done
  echo "$row"
done

#!/usr/bin/env bash
# Throughput and memory benchmark of deid against a DCMTK load+save floor and
# GDCM's gdcmanon. See bench/README.md.
set -euo pipefail

usage() {
  cat <<'EOF'
usage: bench/run.sh [--files 2000] [--multiframe 100] [--big 20000] [--work DIR] [--repeat 5] [--cold]
  --files N       copies of the single-frame sample files (small-file corpus)
  --multiframe N  copies of the largest multi-frame sample file
  --big N         corpus size for the peak-RSS check of 'deid put -j all' (0 skips it)
  --work DIR      scratch folder, wiped at start (default /tmp/deid-bench)
  --repeat N      rounds over all commands; the table shows the median time and the largest RSS
  --cold          drop the page cache before every run (root), as a fresh PACS export on disk would be
Environment: DEID_BENCH_DATA (default: ../shared/data/dicom next to the repository).
EOF
}

files=2000 multiframe=100 big=20000 work=/tmp/deid-bench repeat=5 cold=no
while (($#)); do
  case $1 in
    --cold) cold=yes; shift; continue ;;
    --files) files=$2 ;;
    --multiframe) multiframe=$2 ;;
    --big) big=$2 ;;
    --work) work=$2 ;;
    --repeat) repeat=$2 ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
  shift 2
done

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
data=${DEID_BENCH_DATA:-$repo/../shared/data/dicom}
deid=$repo/build/deid
tool=$repo/build/bench/deid_bench_tool
jobs=$(nproc)
gdcmanon=$(command -v gdcmanon) || { echo "gdcmanon not found (apt-get install libgdcm-tools)" >&2; exit 1; }
[[ $cold == no || -w /proc/sys/vm/drop_caches ]] || { echo "--cold needs root (it writes /proc/sys/vm/drop_caches)" >&2; exit 1; }

# The scratch folder is wiped, so only ever wipe one this script created.
if [[ -e $work && ! -e $work/.deid-bench && -n $(ls -A "$work") ]]; then
  echo "refusing to wipe $work: not empty and not made by bench/run.sh" >&2
  exit 1
fi
rm -rf "$work"
mkdir -p "$work/logs"
# The profile rows make a per-user pseudonym key: keep it out of the real home.
export XDG_DATA_HOME="$work/xdg"
touch "$work/.deid-bench"

[[ -f $repo/build/CMakeCache.txt ]] || cmake -S "$repo" -B "$repo/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build "$repo/build" --target deid deid_bench_tool >"$work/logs/build.log" 2>&1 ||
  { tail -30 "$work/logs/build.log" >&2; exit 1; }

inspect_help=$("$deid" inspect --help)
inspect_flags=()
grep -q -- '--quiet' <<<"$inspect_help" && inspect_flags+=(-q)
inspect_jobs=no
grep -q -- '--jobs' <<<"$inspect_help" && inspect_jobs=yes

count_files() { find "$1" -type f | wc -l; }
count_bytes() { find "$1" -type f -printf '%s\n' | awk '{ s += $1 } END { printf "%.0f\n", s }'; }

results=$work/results.tsv # corpus, command, jobs, files, input bytes, median seconds, peak RSS KiB, problem
: >"$results"

# Sets label, out (the output folder, "" if none) and argv for KEY = name:jobs.
describe() {
  local in=$2 j=${1#*:}
  out=$work/out
  case ${1%:*} in
    put) label="deid put" argv=("$deid" put "$in" --default -o "$out" -j "$j" -q) ;;
    # The cost of syncing every output before its rename (put's default).
    nosync) label="put --no-fsync" argv=("$deid" put "$in" --default --no-fsync -o "$out" -j "$j" -q) ;;
    # The README's main job: the PS3.15 basic profile (what put does without a recipe).
    profile) label="put --profile" argv=("$deid" put "$in" --profile basic -o "$out" -j "$j" -q) ;;
    # The profile without the fsync: like for like with the plain floor.
    pnosync) label="profile --no-fsync" argv=("$deid" put "$in" --profile basic --no-fsync -o "$out" -j "$j" -q) ;;
    inspect)
      label="deid inspect" out="" argv=("$deid" inspect "$in" "${inspect_flags[@]}" --format csv)
      [[ $inspect_jobs == no ]] || argv+=(-j "$j")
      ;;
    floor) label=floor argv=("$tool" floor "$in" "$out" -j "$j") ;;
    # The floor with put's obligations: a temporary name, fsync, rename.
    durable) label="floor --durable" argv=("$tool" floor "$in" "$out" -j "$j" --durable) ;;
    # The plain floor, then one syncfs: what any tool pays, at the least, to
    # have its outputs on the disk when it ends (the plain floor's never are:
    # they are deleted before write-back).
    floorsync) label="floor --sync-at-end" argv=("$tool" floor "$in" "$out" -j "$j" --sync-at-end) ;;
    # --dumb edits only the named tags, given as hex group,element.
    gdcmanon) label=gdcmanon argv=("$gdcmanon" --dumb --recursive --remove "10,10" --remove "10,20" --replace "8,80=ANON" -i "$in" -o "$out") ;;
  esac
}

declare -A times cpu rss problem

# One timed run of KEY on IN; the output file count must equal the input's.
run_once() {
  local key=$1 in=$2 expected=$3 corpus=$4 label out argv
  describe "$key" "$in"
  local log=$work/logs/$corpus-${key/:/-j}
  [[ -z $out ]] || rm -rf "$out"
  # Warm: the inputs are read into the page cache right before each run.
  # Having read them in the run before is not enough where the kernel pages
  # out cached files it sees touched once in a while (DAMON's pageout, as on
  # the VM of bench/README's results: 6 % of the corpus left after a minute).
  [[ $cold == yes ]] || find "$in" -type f -exec cat {} + >/dev/null
  # Write-back of earlier output would otherwise land in this run's time.
  sync
  [[ $cold == no ]] || echo 3 >/proc/sys/vm/drop_caches
  local rc=0 start end kib issue=""
  start=$EPOCHREALTIME
  /usr/bin/time -f '%e %M %U %S' -o "$log.time" "${argv[@]}" >"$log.out" 2>"$log.err" || rc=$?
  end=$EPOCHREALTIME
  # %e has only 10 ms resolution; the shell clock has microseconds.
  times[$key]+=" $(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f", b - a }')"
  kib=$(awk 'END { print $2 }' "$log.time")
  # CPU seconds (user + system, all threads): steadier than the wall time
  # where the disk and page cache vary from run to run.
  cpu[$key]+=" $(awk 'END { printf "%.2f", $3 + $4 }' "$log.time")"
  ((kib <= ${rss[$key]:-0})) || rss[$key]=$kib
  # Exit status 3: files set aside (the profile quarantines burned-in
  # annotation), still counted among the outputs.
  if ((rc != 0)) && ! [[ $rc == 3 && (${key%%:*} == profile || ${key%%:*} == pnosync) ]]; then
    issue="exit $rc"
    echo "!! $label ($key) on $corpus exited with $rc; last lines of $log.err:" >&2
    tail -5 "$log.err" >&2
  fi
  if [[ -n $out ]]; then
    local produced=0
    [[ ! -d $out ]] || produced=$(count_files "$out")
    if ((produced != expected)); then
      issue="${issue:+$issue, }$produced of $expected outputs"
      echo "!! $label ($key) on $corpus wrote $produced files for $expected inputs" >&2
    fi
    rm -rf "$out"
  fi
  [[ -z $issue ]] || problem[$key]=$issue
}

# The space-separated numbers, one a line, in ascending order; the middle one of those lines.
sorted_values() { tr ' ' '\n' <<<"$1" | sed '/^$/d' | sort -g; }
median_of() { awk '{ t[NR] = $1 } END { print t[int((NR + 1) / 2)] }' <<<"$1"; }

gcd() {
  local a=$1 b=$2 t
  while ((b)); do t=$((a % b)) a=$b b=$t; done
  echo "$a"
}

# bench_corpus NAME IN ROUNDS KEY...: the commands run in turn, ROUNDS times, so
# drift in the machine's speed spreads over all of them alike.
bench_corpus() {
  local corpus=$1 in=$2 rounds=$3 expected bytes key label out argv
  shift 3
  expected=$(count_files "$in")
  bytes=$(count_bytes "$in")
  echo "== $corpus: $expected files, $((bytes / 1000000)) MB"
  times=() cpu=() rss=() problem=()
  # Round r runs every step-th command (step = r, or the next number prime
  # to their count), so no command always follows the same one: a run can be
  # slower after some commands than after others (bench/README.md, "Noise").
  local -a order=("$@")
  local n=${#order[@]} i step
  for ((r = 1; r <= rounds; r++)); do
    step=$(((r - 1) % (n > 1 ? n - 1 : 1) + 1))
    while (($(gcd "$step" "$n") != 1)); do ((step++)); done
    for ((i = 0; i < n; i++)); do
      run_once "${order[(i * step + r - 1) % n]}" "$in" "$expected" "$corpus"
    done
  done
  for key; do
    describe "$key" "$in"
    local sorted median cpu_median
    sorted=$(sorted_values "${times[$key]}")
    median=$(median_of "$sorted")
    cpu_median=$(median_of "$(sorted_values "${cpu[$key]}")")
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$corpus" "$label" "${key#*:}" "$expected" "$bytes" "$median" \
      "${rss[$key]}" "${problem[$key]:--}" "$cpu_median" >>"$results"
    printf '%s %s:%s\n' "$corpus" "$key" "${times[$key]}" >>"$work/logs/rounds.txt"
    printf '  %-13s -j %-3s %8ss (%s-%ss)  %6ss CPU  %8s KiB  %s\n' "$label" "${key#*:}" "$median" "$(head -1 <<<"$sorted")" \
      "$(tail -1 <<<"$sorted")" "$cpu_median" "${rss[$key]}" "${problem[$key]:-ok}"
  done
}

keys=(put:1)
((jobs == 1)) || keys+=("put:$jobs")
keys+=(nosync:1)
keys+=(profile:1)
keys+=(pnosync:1)
keys+=(inspect:1)
# Without --jobs, inspect is single-threaded and so compared with the -j 1 floor.
[[ $inspect_jobs == no || $jobs == 1 ]] || keys+=("inspect:$jobs")
keys+=(floor:1)
((jobs == 1)) || keys+=("floor:$jobs")
keys+=(durable:1)
keys+=(floorsync:1)
keys+=(gdcmanon:1) # gdcmanon is single-threaded

samples=$data/deid-data
single_frame=(--from "$samples/dicom-cookies" --from "$samples/humans" --from "$samples/ultrasounds")
mkdir -p "$work/sources"
# The largest multi-frame sample (27 frames, 13 MB) is shipped zipped.
unzip -o -q "$samples/ultrasounds/GREYSCALE_CINE.zip" -d "$work/sources"
frames=$(dcmdump -q +P NumberOfFrames "$work/sources/GREYSCALE_CINE.dcm" | sed -n 's/.*\[\([0-9]*\)\].*/\1/p')
((${frames:-0} > 1)) || { echo "GREYSCALE_CINE.dcm is not multi-frame" >&2; exit 1; }

machine="$(lscpu | sed -n 's/^Model name: *//p'), nproc $jobs, $(sed -n 's/^PRETTY_NAME="\(.*\)"/\1/p' /etc/os-release)"
[[ $cold == no ]] && machine+=", inputs read into the page cache before every run" ||
  machine+=", page cache dropped before every run"
# A kernel that pages out cached files by itself (DAMON's pageout scheme)
# makes a run's inputs only partly warm unless they are read right before.
for kdamond in /sys/kernel/mm/damon/admin/kdamonds/*/; do
  [[ $(cat "$kdamond/state" 2>/dev/null) == on ]] &&
    grep -qs pageout "$kdamond"/contexts/*/schemes/*/action && machine+=", DAMON pageout on" && break
done
# Where the outputs go decides what an fsync costs: a journal or none, discard.
# An ext4 mounted without a journal lists no data= mode among its options.
read -r fs_source fs_type fs_options < <(findmnt -no SOURCE,FSTYPE,OPTIONS -T "$work")
fs_journal=""
if [[ $fs_type == ext4 && -r /proc/fs/ext4/${fs_source##*/}/options ]]; then
  grep -q '^data=' "/proc/fs/ext4/${fs_source##*/}/options" && fs_journal=" (journal)" || fs_journal=" (no journal)"
fi
machine+=", outputs on $fs_type$fs_journal $(cut -d, -f1-3 <<<"$fs_options")"
echo "$machine; $repeat rounds, median time"
"$tool" corpus "${single_frame[@]}" --count "$files" --out "$work/small" 2>"$work/logs/corpus-small.err"
bench_corpus small "$work/small" "$repeat" "${keys[@]}"
rm -rf "$work/small"
"$tool" corpus --from "$work/sources" --count "$multiframe" --out "$work/multiframe" 2>"$work/logs/corpus-multiframe.err"
bench_corpus multiframe "$work/multiframe" "$repeat" "${keys[@]}"
rm -rf "$work/multiframe"
if ((big > 0)); then
  "$tool" corpus "${single_frame[@]}" --count "$big" --out "$work/big" 2>"$work/logs/corpus-big.err"
  bench_corpus big "$work/big" 1 "put:$jobs"
  rm -rf "$work/big"
fi

# Speed ratios are of files/s, so > 1 means faster than the floor / gdcmanon.
report() {
  awk -F'\t' -v md="$1" -v jobs="$jobs" -v files="$files" '
    { n++; corpus[n] = $1; cmd[n] = $2; j[n] = $3; count[n] = $4; bytes[n] = $5; sec[n] = $6; rss[n] = $7; bad[n] = $8
      cpusec[n] = $9
      rate[n] = $6 > 0 ? $4 / $6 : 0
      if ($2 == "floor") floorcpu[$1, $3] = $9
      if ($2 == "put --profile") profilecpu[$1, $3] = $9
      if ($2 == "floor") floor[$1, $3] = rate[n]
      if ($2 == "gdcmanon") gdcm[$1] = rate[n]
      if ($2 == "deid put") put[$1, $3] = rate[n]
      if ($2 == "floor --durable") durable[$1, $3] = rate[n]
      if ($2 == "floor --sync-at-end") floorsync[$1, $3] = rate[n]
      if ($2 == "put --profile") profile[$1, $3] = rate[n]
      if ($2 == "profile --no-fsync") pnosync[$1, $3] = rate[n] }
    function row(a, b, c, d, e, f, g, h, i, k, l, m) {
      if (md) printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", a, b, c, d, e, m, f, g, h, i, k, l
      else printf "%-10s %-13s %3s %6s %8s %6s %9s %8s %8s %8s %10s  %s\n", a, b, c, d, e, m, f, g, h, i, k, l
    }
    function ratio(x, y) { return y > 0 ? sprintf("%.2f", x / y) : "-" }
    END {
      row("corpus", "command", "-j", "files", "seconds", "files/s", "MB/s", "RSS MiB", "x floor", "x gdcmanon", "problem", "CPU s")
      if (md) print "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"
      for (i = 1; i <= n; i++) {
        if (corpus[i] == "big") continue
        row(corpus[i], cmd[i], j[i], count[i], sec[i], sprintf("%.1f", rate[i]),
            sprintf("%.1f", sec[i] > 0 ? bytes[i] / 1e6 / sec[i] : 0), sprintf("%.1f", rss[i] / 1024),
            ratio(rate[i], floor[corpus[i], j[i]]), ratio(rate[i], gdcm[corpus[i]]), bad[i], cpusec[i])
      }
      print ""
      for (i = 1; i <= n; i++) {
        c = corpus[i]
        if (c == "big" || (c in seen)) continue
        seen[c] = 1
        pct = floor[c, 1] > 0 ? 100 * put[c, 1] / floor[c, 1] : 0
        x = put[c, 1] > 0 ? put[c, jobs] / put[c, 1] : 0
        printf "%s%s: put -j1 / floor -j1 = %.0f%% (goal >= 70%%: %s)\n", (md ? "- " : ""), c, pct, (pct >= 70 ? "met" : "NOT met")
        printf "%s%s: put -j%d / put -j1 = %.2f× (goal >= 1.7×: %s)\n", (md ? "- " : ""), c, jobs, x, (x >= 1.7 ? "met" : "NOT met")
        pp = floor[c, 1] > 0 ? 100 * profile[c, 1] / floor[c, 1] : 0
        printf "%s%s: put --profile basic -j1 / floor -j1 = %.0f%% (goal >= 80%%: %s)\n", (md ? "- " : ""), c, pp, (pp >= 80 ? "met" : "NOT met")
        # Like for like: the same obligations on both sides of the ratio.
        pd = durable[c, 1] > 0 ? 100 * profile[c, 1] / durable[c, 1] : 0
        printf "%s%s:   like for like, both fsync: put --profile basic -j1 / floor --durable -j1 = %.0f%% (%s 80%%)\n",
               (md ? "- " : ""), c, pd, (pd >= 80 ? ">=" : "<")
        # What putting its own outputs on the disk costs the floor itself:
        # its rate then, as a share of the plain rate.
        fs = floor[c, 1] > 0 ? 100 * floorsync[c, 1] / floor[c, 1] : 0
        ps = floorsync[c, 1] > 0 ? 100 * profile[c, 1] / floorsync[c, 1] : 0
        printf "%s%s:   like for like, outputs on the disk at the end: put --profile basic -j1 / floor --sync-at-end -j1 = %.0f%% (%s 80%%); floor --sync-at-end / floor = %.0f%%\n",
               (md ? "- " : ""), c, ps, (ps >= 80 ? ">=" : "<"), fs
        pn = floor[c, 1] > 0 ? 100 * pnosync[c, 1] / floor[c, 1] : 0
        printf "%s%s:   like for like, neither fsyncs: put --profile basic --no-fsync -j1 / floor -j1 = %.0f%% (%s 80%%)\n",
               (md ? "- " : ""), c, pn, (pn >= 80 ? ">=" : "<")
        # The work itself, apart from the disk: CPU seconds, all threads.
        if (profilecpu[c, 1] > 0)
          printf "%s%s:   CPU time: put --profile basic -j1 takes %.2f× the floor -j1 CPU seconds (%s against %s)\n",
                 (md ? "- " : ""), c, profilecpu[c, 1] / (floorcpu[c, 1] > 0 ? floorcpu[c, 1] : 1), profilecpu[c, 1], floorcpu[c, 1]
      }
      for (i = 1; i <= n; i++) if (corpus[i] == "small" && cmd[i] == "deid put" && j[i] == jobs) small = i
      for (i = 1; i <= n; i++) if (corpus[i] == "big")
        printf "%speak RSS of deid put -j%d: %.1f MiB for %d files, %.1f MiB for %d files (%.1f s, %.0f files/s)%s\n",
               (md ? "- " : "\n"), jobs, rss[small] / 1024, count[small], rss[i] / 1024, count[i], sec[i], rate[i],
               (bad[i] == "-" ? "" : ", " bad[i])
    }' "$results"
}

echo
report 0
{
  echo "$machine; median of $repeat rounds; CPU s = user + system seconds of all threads (median);" \
    "MB/s = input bytes (10^6) per second; x floor (same -j) and x gdcmanon are files/s ratios, > 1 = faster."
  echo
  report 1
} >"$work/results.md"
echo
echo "markdown: $work/results.md; logs: $work/logs"

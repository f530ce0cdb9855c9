#!/usr/bin/env bash
# Size and start-up of the ways tcpdoctor is installed: the self-contained single file untrimmed,
# trimmed, compressed, with and without ReadyToRun, and the framework-dependent build. See bench/README.md.
#
# usage: bench/Install/run.sh [--runs N] [VARIANT...]
#   --runs N    timed runs of each command per variant, after 2 untimed ones (default 20)
#   VARIANT     any of: single-file (the profile as README publishes it) single-file-compressed untrimmed
#               trimmed-il trimmed-il-compressed trimmed-r2r-all trimmed-r2r-all-compressed framework
#               (default: all)
# Each variant is published with the single-file profile (src/TcpDoctor.Cli/Properties/PublishProfiles/
# single-file.pubxml) plus the overrides below, into a temporary directory that is removed on exit, with
# its own bin and obj (--artifacts-path): the build tree is not touched. About 1-2 min per variant.
# Prints a Markdown table (file size in MB of 10^6 bytes, median and mean wall time of `tcpdoctor --version`,
# `tcpdoctor summary` and `summary --no-processes`) and appends it to bench/results/DATE-install.md.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
runs=20
variants=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        --runs) runs=$2; shift 2 ;;
        -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        -*) echo "bench: unknown option $1" >&2; exit 2 ;;
        *) variants+=("$1"); shift ;;
    esac
done
[[ ${#variants[@]} -gt 0 ]] || variants=(single-file single-file-compressed untrimmed trimmed-il trimmed-il-compressed trimmed-r2r-all trimmed-r2r-all-compressed framework)

say() { echo "bench: $*" >&2; }

overrides() {
    local profile="-p:PublishProfile=single-file"
    case "$1" in
        single-file) echo "$profile" ;;
        single-file-compressed) echo "$profile -p:EnableCompressionInSingleFile=true" ;;
        untrimmed) echo "$profile -p:PublishTrimmed=false -p:TcpDoctorReadyToRunAll=true -p:EventSourceSupport=true -p:Http3Support=true" ;;
        trimmed-il) echo "$profile -p:PublishReadyToRun=false" ;;
        trimmed-il-compressed) echo "$profile -p:PublishReadyToRun=false -p:EnableCompressionInSingleFile=true" ;;
        trimmed-r2r-all) echo "$profile -p:TcpDoctorReadyToRunAll=true" ;;
        trimmed-r2r-all-compressed) echo "$profile -p:TcpDoctorReadyToRunAll=true -p:EnableCompressionInSingleFile=true" ;;
        framework) echo "-c Release" ;;
        *) echo "bench: unknown variant $1" >&2; exit 2 ;;
    esac
}

work=$(mktemp -d /tmp/tcpdoctor-install-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT

# Wall time of one run in milliseconds, output discarded.
millis() {
    local start end
    start=$(date +%s%N)
    "$@" >/dev/null 2>&1 || true
    end=$(date +%s%N)
    echo $(((end - start) / 1000000))
}

# "median mean" of N timed runs after two untimed ones (page cache, first-run extraction).
measure() {
    local i times=()
    "$@" >/dev/null 2>&1 || true
    "$@" >/dev/null 2>&1 || true
    for ((i = 0; i < runs; i++)); do
        times+=("$(millis "$@")")
    done
    printf '%s\n' "${times[@]}" | sort -n | awk '{ t[NR] = $1; s += $1 } END { m = (NR % 2) ? t[(NR + 1) / 2] : (t[NR / 2] + t[NR / 2 + 1]) / 2; printf "%d %d\n", m, s / NR }'
}

rows=()
for variant in "${variants[@]}"; do
    out="$work/$variant"
    say "publishing $variant"
    # shellcheck disable=SC2046 # the overrides are words
    dotnet publish "$root/src/TcpDoctor.Cli" $(overrides "$variant") --artifacts-path "$work/artifacts-$variant" -m:1 -o "$out" \
        >"$work/$variant.log" 2>&1 \
        || { cat "$work/$variant.log" >&2; exit 1; }
    warnings=$(grep -c "warning IL" "$work/$variant.log" || true)
    size=$(stat -c %s "$out/tcpdoctor")
    total=$(du -sb --exclude='*.pdb' "$out" | cut -f1)
    say "timing $variant ($runs runs each)"
    read -r version_median version_mean < <(measure "$out/tcpdoctor" --version)
    read -r summary_median summary_mean < <(measure "$out/tcpdoctor" summary)
    read -r bare_median bare_mean < <(measure "$out/tcpdoctor" summary --no-processes)
    rows+=("| $variant | $(awk -v b="$size" 'BEGIN { printf "%.1f", b / 1000000 }') | $(awk -v b="$total" 'BEGIN { printf "%.1f", b / 1000000 }') | $warnings | $version_median / $version_mean | $summary_median / $summary_mean | $bare_median / $bare_mean |")
done

table=$(
    echo "$(date -u '+%Y-%m-%d %H:%M') UTC, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $(uname -r), $runs runs; times are median / mean ms"
    echo
    echo "| variant | tcpdoctor MB | directory MB | IL warnings | --version ms | summary ms | summary --no-processes ms |"
    echo "|---|---:|---:|---:|---:|---:|---:|"
    printf '%s\n' "${rows[@]}"
)
echo "$table"
mkdir -p "$root/bench/results"
{ echo; echo "$table"; } >>"$root/bench/results/$(date -u +%Y-%m-%d)-install.md"

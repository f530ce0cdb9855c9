#!/usr/bin/env bash
# One sweep of every network namespace (`tcpdoctor summary -A`, `diagnose -A`) against what people do
# today: a loop of `ss -N NS` over the namespaces (`ip netns list`), without and with process
# attribution (-p). COUNT private namespaces each hold SIZE TCP sockets from bench/SocketGen (2 worker
# processes each). Wall time, CPU time (user + system) and peak RSS per run, median of --runs.
#
# usage: bench/Namespaces/run.sh [--runs N] [--namespaces COUNT] [--sockets SIZE]
#   --runs N          runs per command (default 3)
#   --namespaces N    namespaces to fill (default 100)
#   --sockets N       TCP sockets in each (default 1000)
# environment: TCPDOCTOR (default bench/out/tcpdoctor), SOCKETGEN (default bench/out/socketgen/socketgen);
#              both published when missing.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
bench=$(dirname "$here")
root=$(dirname "$bench")
runs=3
count=100
size=1000
while [[ $# -gt 0 ]]; do
    case "$1" in
        --runs) runs=$2; shift 2 ;;
        --namespaces) count=$2; shift 2 ;;
        --sockets) size=$2; shift 2 ;;
        -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "namespaces: unknown argument $1" >&2; exit 2 ;;
    esac
done
for v in "$runs" "$count" "$size"; do [[ $v =~ ^[0-9]+$ && $v -gt 0 ]] || { echo "namespaces: '$v' is not a positive number" >&2; exit 2; }; done

say() { echo "namespaces: $*" >&2; }
# shellcheck source=../Shared/socketgen.sh
source "$bench/Shared/socketgen.sh"
command -v ss >/dev/null || die "'ss' is missing (iproute2)"
prepare tdnsb

# Many namespaces here, not the one of prepare: tdnsb-PID-1 … tdnsb-PID-COUNT, each with its generator.
names=()
gens=()
cleanup() {
    for pid in "${gens[@]}"; do stop_pid "$pid"; done
    for n in "${names[@]}"; do
        if ip netns list | awk '{ print $1 }' | grep -qx "$n"; then
            for pid in $(ip netns pids "$n" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null || true; done
            ip netns del "$n"
        fi
    done
    rm -rf "$work"
}

started=$(date +%s)
for ((i = 1; i <= count; i++)); do
    n="$ns-$i"
    names+=("$n")
    ip netns add "$n"
    ip netns exec "$n" ip link set lo up
    ip netns exec "$n" "$SOCKETGEN" --sockets "$size" --workers 2 --listeners 4 --hold 3h >"$work/gen-$i.out" 2>"$work/gen-$i.err" &
    gens+=("$!")
done
for ((i = 1; i <= count; i++)); do
    for _ in $(seq 600); do
        grep -q '^ready' "$work/gen-$i.out" 2>/dev/null && break
        kill -0 "${gens[$((i - 1))]}" 2>/dev/null || die "socketgen $i failed: $(tail -n 3 "$work/gen-$i.err")"
        sleep 0.2
    done
    grep -q '^ready' "$work/gen-$i.out" || die "socketgen $i not ready"
done
say "$count namespaces × $size sockets ready in $(( $(date +%s) - started )) s"

loop_ss() { echo "for n in ${names[*]}; do ss -N \$n $1; done | wc -l"; }
labels=("tcpdoctor summary -A" "tcpdoctor diagnose -A --sample 0" "ss -N NS -tan, every NS" "ss -N NS -tanp, every NS" "tcpdoctor summary --netns NS, every NS")
command_of() {
    case "$1" in
        "tcpdoctor summary -A") echo "'$TCPDOCTOR' summary -A" ;;
        "tcpdoctor diagnose -A --sample 0") echo "'$TCPDOCTOR' diagnose -A --sample 0" ;;
        "ss -N NS -tan, every NS") loop_ss -tan ;;
        "ss -N NS -tanp, every NS") loop_ss -tanp ;;
        "tcpdoctor summary --netns NS, every NS") echo "for n in ${names[*]}; do '$TCPDOCTOR' summary --netns \$n; done | wc -l" ;;
    esac
}

# One run: "wall_s cpu_s peak_rss_kb" (CPU = user + system of the command and its children; RSS of the largest).
once() {
    /usr/bin/time -f '%e %U %S %M' -o "$work/time" bash -c "$1" >"$work/run.out" 2>"$work/run.err" || true
    awk '{ printf "%.2f %.2f %d\n", $1, $2 + $3, $4 }' "$work/time"
}
median() {
    local walls=() cpus=() rsss=() w c r
    for ((k = 0; k < runs; k++)); do
        read -r w c r < <(once "$1")
        walls+=("$w"); cpus+=("$c"); rsss+=("$r")
    done
    local m=$((runs / 2))
    echo "$(printf '%s\n' "${walls[@]}" | sort -g | sed -n "$((m + 1))p") $(printf '%s\n' "${cpus[@]}" | sort -g | sed -n "$((m + 1))p") $(printf '%s\n' "${rsss[@]}" | sort -g | sed -n "$((m + 1))p")"
}
[[ -x /usr/bin/time ]] || die "GNU time (/usr/bin/time) is missing: apt-get install time"

declare -A wall cpu rss
for label in "${labels[@]}"; do
    read -r w c r < <(median "$(command_of "$label")")
    wall[$label]=$w; cpu[$label]=$c; rss[$label]=$r
    say "$label: ${wall[$label]} s wall, ${cpu[$label]} s CPU, ${rss[$label]} KB"
done

base="ss -N NS -tan, every NS"
out="$bench/results/$(date +%F)-namespaces.md"
{
    echo "## $(date '+%F %H:%M') — $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
    echo
    echo "$count namespaces × $size TCP sockets (bench/SocketGen, 2 workers each); $(nproc) CPUs, $(uname -r); median of $runs runs; load before: $(cut -d' ' -f1-3 /proc/loadavg)."
    echo
    echo "| command | wall s | × ss -N loop | CPU s | peak RSS MB |"
    echo "|---|---:|---:|---:|---:|"
    for label in "${labels[@]}"; do
        ratio=$(awk -v a="${wall[$label]}" -v b="${wall[$base]}" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
        echo "| \`$label\` | ${wall[$label]} | $ratio | ${cpu[$label]} | $(( ${rss[$label]} / 1024 )) |"
    done
    echo
} | tee -a "$out"
say "appended to $out"

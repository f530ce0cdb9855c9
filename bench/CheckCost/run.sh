#!/usr/bin/env bash
# What one `tcpdoctor check` costs on a big socket table, next to the checks people run today
# (`netstat -tan | grep -c`, `ss -tanp | wc -l`), on TCP sockets held by bench/SocketGen in a private
# network namespace. Wall time and CPU time (user + system) per run, median of --runs. See bench/README.md.
#
# usage: bench/CheckCost/run.sh [--runs N] [SIZE...]
#   SIZE        socket counts (default: 10000 100000)
#   --runs N    runs per command (default 5)
# environment: TCPDOCTOR (default bench/out/tcpdoctor), SOCKETGEN (default bench/out/socketgen/socketgen);
#              both published when missing.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
bench=$(dirname "$here")
root=$(dirname "$bench")
runs=5
sizes=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        --runs) runs=$2; shift 2 ;;
        -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        -*) echo "check-cost: unknown option $1" >&2; exit 2 ;;
        *) [[ $1 =~ ^[0-9]+$ ]] || { echo "check-cost: size '$1' is not a number" >&2; exit 2; }
           sizes+=("$1"); shift ;;
    esac
done
[[ ${#sizes[@]} -gt 0 ]] || sizes=(10000 100000)

say() { echo "check-cost: $*" >&2; }
# shellcheck source=../Shared/socketgen.sh
source "$bench/Shared/socketgen.sh"
command -v ss >/dev/null || die "'ss' is missing (iproute2)"
command -v netstat >/dev/null || die "'netstat' is missing (net-tools)"
prepare tdcheck

# One run: "wall_s cpu_s" (CPU = user + system of the command and its children).
once() {
    local TIMEFORMAT='%R %U %S'
    { time ip netns exec "$ns" bash -c "$1" >"$work/run.out" 2>"$work/run.err"; } 2>"$work/time" || true
    awk '{ printf "%.3f %.3f\n", $1, $2 + $3 }' "$work/time"
}
# Median wall and CPU over $runs runs: "wall_s cpu_s".
median() {
    local walls=() cpus=() w c
    for ((i = 0; i < runs; i++)); do
        read -r w c < <(once "$1")
        walls+=("$w"); cpus+=("$c")
    done
    local m=$((runs / 2))
    echo "$(printf '%s\n' "${walls[@]}" | sort -g | sed -n "$((m + 1))p") $(printf '%s\n' "${cpus[@]}" | sort -g | sed -n "$((m + 1))p")"
}

labels=("tcpdoctor check" "tcpdoctor check --sample 0" "netstat -tan | grep -c TIME_WAIT" "ss -tanp | wc -l")
command_of() {
    case "$1" in
        "tcpdoctor check") echo "'$TCPDOCTOR' check" ;;
        "tcpdoctor check --sample 0") echo "'$TCPDOCTOR' check --sample 0" ;;
        "netstat -tan | grep -c TIME_WAIT") echo "netstat -tan | grep -c TIME_WAIT" ;;
        "ss -tanp | wc -l") echo "ss -tanp | wc -l" ;;
    esac
}

machine="$(nproc) vCPU, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), Linux $(uname -r) ($(uname -m))"
say "machine: $machine; load average $(cut -d' ' -f1-3 /proc/loadavg)"
table="| sockets | command | wall time (median of $runs) | CPU time (user + system) |"$'\n'"|---:|---|---:|---:|"
for size in "${sizes[@]}"; do
    generate "$size"
    for label in "${labels[@]}"; do
        read -r wall cpu < <(median "$(command_of "$label")")
        say "$(printf '%-8s %-36s wall %6ss cpu %6ss' "$size" "$label" "$wall" "$cpu")"
        table+=$'\n'"| $(printf "%'d" "$size") | \`${label//|/\\|}\` | $wall s | $cpu s |"
    done
    say "last tcpdoctor check line: $(ip netns exec "$ns" "$TCPDOCTOR" check | head -c 160)"
done

echo "Machine: $machine. $(date -u +%Y-%m-%d)."
echo
echo "$table"

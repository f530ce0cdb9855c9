#!/usr/bin/env bash
# What the continuous engine costs on a big socket table: tcpdoctor watch at a 1 s interval, with its
# defaults and with every read full, next to what people run today (ss every second), on 10k, 100k and
# 400k TCP sockets held by bench/SocketGen in a private network namespace. See bench/README.md.
#
# usage: bench/EngineCost/run.sh [--seconds N] [--soak-minutes M] [--soak-size S] [SIZE...]
#   SIZE             socket counts (default: 10000 100000 400000)
#   --seconds N      CPU is averaged over N seconds after a 5 s warm-up (default 60)
#   --soak-minutes M then run watch for M minutes at --soak-size and print its RSS every 10 s (default 10; 0 = none)
#   --soak-size S    socket count of the soak (default 100000)
# environment: TCPDOCTOR (default bench/out/tcpdoctor), SOCKETGEN (default bench/out/socketgen/socketgen);
#              both published when missing.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
bench=$(dirname "$here")
root=$(dirname "$bench")
seconds=60
soak_minutes=10
soak_size=100000
sizes=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        --seconds) seconds=$2; shift 2 ;;
        --soak-minutes) soak_minutes=$2; shift 2 ;;
        --soak-size) soak_size=$2; shift 2 ;;
        -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        -*) echo "engine-cost: unknown option $1" >&2; exit 2 ;;
        *) [[ $1 =~ ^[0-9]+$ ]] || { echo "engine-cost: size '$1' is not a number" >&2; exit 2; }
           sizes+=("$1"); shift ;;
    esac
done
[[ ${#sizes[@]} -gt 0 ]] || sizes=(10000 100000 400000)

say() { echo "engine-cost: $*" >&2; }
# shellcheck source=../Shared/socketgen.sh
source "$bench/Shared/socketgen.sh"
command -v ss >/dev/null || die "'ss' is missing (iproute2)"
prepare tdcost
run_pid=""
tick=$(getconf CLK_TCK)

# CPU ticks of a process and its waited-for children (utime stime cutime cstime).
ticks() { awk '{ print $14 + $15 + $16 + $17 }' "/proc/$1/stat"; }

# Runs a command in the namespace for 5 s + $seconds; prints "cpu_percent rss_kb samples".
cost() {
    ip netns exec "$ns" "$@" >"$work/run.out" 2>"$work/run.err" &
    run_pid=$!
    sleep 5
    kill -0 "$run_pid" 2>/dev/null || die "$* exited: $(head -c 300 "$work/run.err")"
    local a b rss
    a=$(ticks "$run_pid")
    sleep "$seconds"
    b=$(ticks "$run_pid")
    rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$run_pid/status")
    stop_pid "$run_pid"; run_pid=""
    awk -v a="$a" -v b="$b" -v t="$tick" -v s="$seconds" -v r="$rss" -v n="$(wc -l <"$work/run.out")" \
        'BEGIN { printf "%.1f %d %d\n", 100 * (b - a) / t / s, r, n }'
}

labels=("tcpdoctor watch -i 1s (defaults)" "tcpdoctor watch -i 1s --owner-refresh 0 --detail-every 0" "ss -tan every 1s" "ss -tanp every 1s")
run_label() {
    case "$1" in
        "tcpdoctor watch -i 1s (defaults)") cost "$TCPDOCTOR" watch --format json --interval 1s ;;
        "tcpdoctor watch -i 1s --owner-refresh 0 --detail-every 0") cost "$TCPDOCTOR" watch --format json --interval 1s --owner-refresh 0 --detail-every 0 ;;
        "ss -tan every 1s") cost bash -c 'while :; do ss -tan >/dev/null; sleep 1; done' ;;
        "ss -tanp every 1s") cost bash -c 'while :; do ss -tanp >/dev/null; sleep 1; done' ;;
    esac
}

machine="$(nproc) vCPU, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), Linux $(uname -r) ($(uname -m))"
say "machine: $machine; load average $(cut -d' ' -f1-3 /proc/loadavg)"
table="| sockets | command | CPU (% of one core, ${seconds}s average) | RSS at the end |"$'\n'"|---:|---|---:|---:|"
for size in "${sizes[@]}"; do
    generate "$size"
    for label in "${labels[@]}"; do
        read -r pct rss n < <(run_label "$label")
        say "$(printf '%-8s %-58s %6s%% %8s KiB (%s lines)' "$size" "$label" "$pct" "$rss" "$n")"
        table+=$'\n'"| $(printf "%'d" "$size") | \`$label\` | $pct % | $((rss / 1024)) MB |"
    done
done

soak=""
if [[ $soak_minutes -gt 0 ]]; then
    generate "$soak_size"
    say "soak: tcpdoctor watch -i 1s for $soak_minutes min at $soak_size sockets, RSS every 10 s"
    ip netns exec "$ns" "$TCPDOCTOR" watch --format json --interval 1s >/dev/null 2>"$work/run.err" &
    run_pid=$!
    rss_list=()
    for ((i = 0; i < soak_minutes * 6; i++)); do
        sleep 10
        kill -0 "$run_pid" 2>/dev/null || die "watch exited during the soak: $(head -c 300 "$work/run.err")"
        rss_list+=("$(awk '/^VmRSS/ { print int($2 / 1024) }' "/proc/$run_pid/status")")
    done
    stop_pid "$run_pid"; run_pid=""
    soak="RSS of \`tcpdoctor watch -i 1s\` every 10 s for $soak_minutes min at $(printf "%'d" "$soak_size") sockets (MB): ${rss_list[*]}"
    say "$soak"
fi

out="$bench/results/$(date -u +%F)-engine.md"
{
    echo "## Engine cost, $(date -u '+%F %H:%M') UTC"
    echo
    echo "Machine: $machine; load average before: $(cut -d' ' -f1-3 /proc/loadavg)."
    echo
    echo "$table"
    [[ -z $soak ]] || { echo; echo "$soak"; }
    echo
} | tee -a "$out"
say "appended to $out"

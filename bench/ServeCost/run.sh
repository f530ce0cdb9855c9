#!/usr/bin/env bash
# What `tcpdoctor serve` costs when Prometheus scrapes it: the agent in a private network namespace with
# SIZE TCP sockets held by bench/SocketGen, scraped with curl every --scrape seconds for --minutes; CPU
# (% of one core, averaged over the run) and RSS every minute. See bench/README.md.
#
# usage: bench/ServeCost/run.sh [--minutes M] [--scrape S] [SIZE...]
#   SIZE          socket counts (default: 100000)
#   --minutes M   how long to scrape (default 5)
#   --scrape S    seconds between scrapes (default 15, Prometheus' usual interval)
#   --            the rest are serve's own flags (e.g. -- --detail-every 1m)
# environment: TCPDOCTOR (default bench/out/tcpdoctor), SOCKETGEN (default bench/out/socketgen/socketgen);
#              both published when missing.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
bench=$(dirname "$here")
root=$(dirname "$bench")
minutes=5
scrape=15
sizes=()
serve_args=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        --minutes) minutes=$2; shift 2 ;;
        --scrape) scrape=$2; shift 2 ;;
        --) shift; serve_args=("$@"); break ;;
        -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        -*) echo "serve-cost: unknown option $1" >&2; exit 2 ;;
        *) [[ $1 =~ ^[0-9]+$ ]] || { echo "serve-cost: size '$1' is not a number" >&2; exit 2; }
           sizes+=("$1"); shift ;;
    esac
done
[[ ${#sizes[@]} -gt 0 ]] || sizes=(100000)

say() { echo "serve-cost: $*" >&2; }
# shellcheck source=../Shared/socketgen.sh
source "$bench/Shared/socketgen.sh"
command -v curl >/dev/null || die "'curl' is missing"
prepare tdserve
run_pid=""
tick=$(getconf CLK_TCK)

ticks() { awk '{ print $14 + $15 + $16 + $17 }' "/proc/$1/stat"; }
rss_mb() { awk '/^VmRSS/ { printf "%d", $2 / 1024 }' "/proc/$1/status"; }

machine="$(nproc) vCPU, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), Linux $(uname -r) ($(uname -m))"
say "machine: $machine; load average $(cut -d' ' -f1-3 /proc/loadavg)"
say "serve ${serve_args[*]}"
table="| sockets | scrape every | CPU (% of one core, ${minutes} min average) | per scrape (median) | RSS each minute |"$'\n'"|---:|---:|---:|---:|---|"
for size in "${sizes[@]}"; do
    generate "$size"
    ip netns exec "$ns" "$TCPDOCTOR" serve --listen 127.0.0.1:0 "${serve_args[@]}" >"$work/serve.out" 2>"$work/serve.err" &
    run_pid=$!
    url=""
    for _ in $(seq 600); do
        url=$(grep -o 'http://[^ ,]*/metrics' "$work/serve.err" 2>/dev/null | head -n 1 || true)
        [[ -n $url ]] && break
        kill -0 "$run_pid" 2>/dev/null || die "serve exited: $(head -c 300 "$work/serve.err")"
        sleep 0.2
    done
    [[ -n $url ]] || die "serve did not start"
    # The agent listens inside the namespace's loopback: scrape from there.
    curl() { ip netns exec "$ns" curl "$@"; }
    curl -sf "$url" >/dev/null   # warm-up scrape (JIT), not counted
    a=$(ticks "$run_pid")
    start=$(date +%s)
    rss=()
    times=()
    next_minute=$((start + 60))
    while (( $(date +%s) - start < minutes * 60 )); do
        t0=$(date +%s.%N)
        curl -sf "$url" -o "$work/metrics.txt" || die "a scrape failed"
        times+=("$(echo "$(date +%s.%N) - $t0" | bc)")
        if (( $(date +%s) >= next_minute )); then rss+=("$(rss_mb "$run_pid")"); next_minute=$((next_minute + 60)); fi
        sleep "$scrape"
    done
    b=$(ticks "$run_pid")
    elapsed=$(( $(date +%s) - start ))
    pct=$(awk -v a="$a" -v b="$b" -v t="$tick" -v s="$elapsed" 'BEGIN { printf "%.2f", 100 * (b - a) / t / s }')
    median=$(printf '%s\n' "${times[@]}" | sort -g | sed -n "$(( (${#times[@]} + 1) / 2 ))p")
    say "$size sockets: ${#times[@]} scrapes, CPU $pct % of one core, median scrape ${median}s, RSS ${rss[*]} MB"
    say "series in the last scrape: $(grep -vc '^#' "$work/metrics.txt")"
    table+=$'\n'"| $(printf "%'d" "$size") | ${scrape} s | $pct % | $(printf '%.2f' "$median") s | ${rss[*]} MB |"
    unset -f curl
    stop_pid "$run_pid"; run_pid=""
done

echo "Machine: $machine. $(date -u +%Y-%m-%d)."
echo
echo "$table"

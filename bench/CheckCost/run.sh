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
die() { say "$*"; exit 1; }
[[ $EUID -eq 0 ]] || die "needs root (creates a network namespace)"
command -v ss >/dev/null || die "'ss' is missing (iproute2)"
command -v netstat >/dev/null || die "'netstat' is missing (net-tools)"

SOCKETGEN=${SOCKETGEN:-$bench/out/socketgen/socketgen}
TCPDOCTOR=${TCPDOCTOR:-$bench/out/tcpdoctor}
publish() { # project output
    say "publishing $1 to $2"
    dotnet publish "$1" -c Release -o "$2" >/dev/null 2>&1 || die "could not publish $1"
}
[[ -x $SOCKETGEN ]] || publish "$bench/SocketGen" "$bench/out/socketgen"
[[ -x $TCPDOCTOR ]] || publish "$root/src/TcpDoctor.Cli" "$bench/out"

ns=tdcheck-$$
work=$(mktemp -d /tmp/tdcheck.XXXXXX)
gen_pid=""

has_namespace() { ip netns list | awk '{ print $1 }' | grep -qx "$ns"; }
stop_pid() { # pid
    [[ -n $1 ]] && kill -0 "$1" 2>/dev/null || return 0
    kill -TERM "$1" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$1" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
}
drop_namespace() {
    stop_pid "$gen_pid"; gen_pid=""
    if has_namespace; then
        for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null || true; done
        ip netns del "$ns"
    fi
}
cleanup() { drop_namespace; rm -rf "$work"; }
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

generate() { # size
    drop_namespace
    ip netns add "$ns"
    ip netns exec "$ns" ip link set lo up
    ip netns exec "$ns" "$SOCKETGEN" --sockets "$1" --hold 3h >"$work/gen.out" 2>"$work/gen.err" &
    gen_pid=$!
    for _ in $(seq 1200); do
        grep -q '^ready' "$work/gen.out" 2>/dev/null && { say "$(head -n 1 "$work/gen.out")"; return 0; }
        kill -0 "$gen_pid" 2>/dev/null || die "socketgen failed: $(tail -n 3 "$work/gen.err")"
        sleep 0.5
    done
    die "socketgen not ready after 10 min"
}

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

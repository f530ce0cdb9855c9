#!/usr/bin/env bash
# Benchmarks tcpdoctor against ss and netstat on 10k, 100k and 400k TCP sockets held in a private
# network namespace by bench/SocketGen. See bench/README.md.
#
# usage: bench/run.sh [--rounds N] [--rounds-slow N] [SIZE...]
#   SIZE           socket counts to generate (default: 10000 100000 400000)
#   --rounds N     alternating rounds per command (default 5)
#   --rounds-slow N  rounds for a command whose first run at a size took over 10 s, such as
#                  ss -tanp and netstat -tanp at 400k (40-55 s each) (default: same as --rounds)
# environment: TCPDOCTOR (default bench/out/tcpdoctor, published if missing),
#              SOCKETGEN (default bench/out/socketgen/socketgen, published if missing)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
rounds=5
rounds_slow=""
sizes=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        --rounds) rounds=$2; shift 2 ;;
        --rounds-slow) rounds_slow=$2; shift 2 ;;
        -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        -*) echo "bench: unknown option $1" >&2; exit 2 ;;
        *) [[ $1 =~ ^[0-9]+$ ]] || { echo "bench: size '$1' is not a number" >&2; exit 2; }
           sizes+=("$1"); shift ;;
    esac
done
[[ ${#sizes[@]} -gt 0 ]] || sizes=(10000 100000 400000)
rounds_slow=${rounds_slow:-$rounds}

say() { echo "bench: $*" >&2; }
die() { say "$*"; exit 1; }

[[ $EUID -eq 0 ]] || die "needs root (creates a network namespace)"

# GNU time gives whole-process wall time, user/sys CPU and peak RSS; the shell keyword does not.
if [[ ! -x /usr/bin/time ]]; then
    say "/usr/bin/time (GNU time) is missing: installing the 'time' package with apt-get"
    apt-get install -y time >/dev/null || die "could not install 'time'; install GNU time and rerun"
fi
for tool in ss netstat ip; do
    command -v "$tool" >/dev/null || die "'$tool' is missing (ss, ip: iproute2; netstat: net-tools)"
done

SOCKETGEN=${SOCKETGEN:-$here/out/socketgen/socketgen}
TCPDOCTOR=${TCPDOCTOR:-$here/out/tcpdoctor}
publish() { # project output
    say "publishing $1 to $2"
    local log
    log=$(mktemp)
    if ! dotnet publish "$1" -c Release -o "$2" >"$log" 2>&1; then
        grep -E 'error|rror:' "$log" | sort -u | head -5 >&2
        rm -f "$log"
        return 1
    fi
    rm -f "$log"
}
if [[ ! -x $SOCKETGEN ]]; then
    publish "$here/SocketGen" "$here/out/socketgen" || die "could not publish the socket generator"
fi
with_tcpdoctor=1
if [[ ! -x $TCPDOCTOR ]]; then
    publish "$root/src/TcpDoctor.Cli" "$here/out" || true
fi
if [[ ! -x $TCPDOCTOR ]]; then
    say "no tcpdoctor at $TCPDOCTOR: its rows are left out (set TCPDOCTOR=path to use another build)"
    with_tcpdoctor=""
fi

ns=tdbench-$$
work=$(mktemp -d /tmp/tdbench.XXXXXX)
gen_pid=""

has_namespace() { ip netns list | awk '{ print $1 }' | grep -qx "$ns"; }

stop_generator() {
    if [[ -n $gen_pid ]] && kill -0 "$gen_pid" 2>/dev/null; then
        kill -TERM "$gen_pid" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$gen_pid" 2>/dev/null || break; sleep 0.2; done
        kill -KILL "$gen_pid" 2>/dev/null || true
        wait "$gen_pid" 2>/dev/null || true
    fi
    gen_pid=""
    # Workers whose parent died without killing them: they are ours, by PID, in our namespace.
    if has_namespace; then
        for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null || true; done
    fi
}

drop_namespace() {
    stop_generator
    if has_namespace; then ip netns del "$ns"; fi
}

cleanup() {
    drop_namespace
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

fresh_namespace() {
    drop_namespace
    ip netns add "$ns"
    ip netns exec "$ns" ip link set lo up
}

# tw count of our namespace, from its /proc/net/sockstat.
ns_time_wait() { ip netns exec "$ns" awk '/^TCP:/ { for (i = 2; i < NF; i += 2) if ($i == "tw") print $(i + 1) }' /proc/net/sockstat; }

# TIME_WAIT entries expire in batches (60 s lifetime, coarse timer wheel); the generator refills them
# within seconds. Start each run only when the table is back at size.
wait_for_time_wait() {
    local want=$1
    [[ $want -gt 0 ]] || return 0
    for _ in $(seq 300); do
        [[ $(ns_time_wait) -ge $((want * 97 / 100)) ]] && return 0
        sleep 0.1
    done
    say "TIME_WAIT still below $want after 30 s; measuring anyway"
}

# One run: prints "wall_ms cpu_ms rss_kb" or "FAIL".
measure() {
    local out=$work/time.out
    if ip netns exec "$ns" /usr/bin/time -f "%e %U %S %M" -o "$out" "$@" >/dev/null 2>"$work/stderr"; then
        tail -n 1 "$out" | awk '{ printf "%d %d %d\n", $1 * 1000 + 0.5, ($2 + $3) * 1000 + 0.5, $4 }'
    else
        say "failed: $* ($(head -c 200 "$work/stderr" | tr '\n' ' '))"
        echo FAIL
    fi
}

median() { printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 } END { if (NR == 0) print ""; else if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

labels=("ss -tan" "ss -tani" "ss -tanp" "netstat -tanp")
[[ -z $with_tcpdoctor ]] || labels+=("tcpdoctor summary" "tcpdoctor list --format json" "tcpdoctor diagnose --sample 0")
empty_labels=("ss -tan" "ss -tani")
[[ -z $with_tcpdoctor ]] || empty_labels+=("tcpdoctor summary")
command_of() {
    case "$1" in
        "ss -tan") echo "ss -tan" ;;
        "ss -tani") echo "ss -tani" ;;
        "ss -tanp") echo "ss -tanp" ;;
        "netstat -tanp") echo "netstat -tanp" ;;
        "tcpdoctor summary") echo "$TCPDOCTOR summary" ;;
        "tcpdoctor list --format json") echo "$TCPDOCTOR list --format json" ;;
        # Every detector over the whole table with tcp_info (one snapshot): what the model costs per socket.
        "tcpdoctor diagnose --sample 0") echo "$here/Shared/findings-ok.sh $TCPDOCTOR diagnose --sample 0 --format json" ;;
    esac
}
# A command whose first run at a size took over 10 s (ss -tanp and netstat -tanp at 400k take 40-55 s)
# gets only --rounds-slow rounds there.
slow_ms=10000

declare -A wall cpu rss runs fails slow
rows=()

# Runs every label in $@ for the configured rounds, alternating commands within a round and rotating
# which one goes first, so drift (other load, TIME_WAIT refills) spreads over all of them.
bench_size() {
    local size=$1 time_wait=$2; shift 2
    local list=("$@") n=$# r i label key result w c m
    for ((r = 0; r < rounds; r++)); do
        for ((i = 0; i < n; i++)); do
            label=${list[$(((i + r) % n))]}
            key="$size|$label"
            if [[ -n ${slow[$key]:-} ]] && ((r >= rounds_slow)); then continue; fi
            wait_for_time_wait "$time_wait"
            # shellcheck disable=SC2046 # the command is words on purpose
            result=$(measure $(command_of "$label"))
            if [[ $result == FAIL ]]; then fails[$key]=$((${fails[$key]:-0} + 1)); continue; fi
            read -r w c m <<<"$result"
            ((w <= slow_ms)) || slow[$key]=1
            wall[$key]+=" $w"; cpu[$key]+=" $c"; rss[$key]+=" $m"; runs[$key]=$((${runs[$key]:-0} + 1))
            say "$(printf '%-8s %-30s %7s ms wall %7s ms cpu %7s KiB' "$size" "$label" "$w" "$c" "$m")"
        done
    done
    rows+=("$size")
}

machine="$(nproc) vCPU, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), Linux $(uname -r) ($(uname -m))"
# Other namespaces' sockets share the kernel's hash table (a dump walks them too) and other processes'
# fds are scanned by -p: both make numbers worse, so the results say how many there were.
host_tcp() { awk '$1 == "TCP" { print $2 }' /proc/slabinfo 2>/dev/null || echo "?"; }
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
say "machine: $machine; load average $load_start; TCP sockets already on the host: $(host_tcp)"
generation=()
declare -A actual

# Idle host: start-up cost with an empty table.
fresh_namespace
say "empty namespace"
bench_size empty 0 "${empty_labels[@]}"
actual[empty]="0 (empty netns)"

read -r _ tcp_mem_pressure _ </proc/sys/net/ipv4/tcp_mem
for size in "${sizes[@]}"; do
    fresh_namespace
    foreign=$(host_tcp)
    say "generating $size sockets"
    ip netns exec "$ns" "$SOCKETGEN" --sockets "$size" >"$work/gen.out" 2>"$work/gen.err" &
    gen_pid=$!
    for _ in $(seq 3000); do
        grep -q '^ready ' "$work/gen.out" && break
        kill -0 "$gen_pid" 2>/dev/null || { cat "$work/gen.err" >&2; die "socketgen exited before ready"; }
        sleep 0.1
    done
    grep -q '^ready ' "$work/gen.out" || die "socketgen not ready after 300 s"
    ready=$(grep '^ready ' "$work/gen.out")
    say "$ready"
    actual[$size]=$(awk '{ print $2 }' <<<"$ready")
    time_wait=$(grep -o 'TIME_WAIT=[0-9]*' <<<"$ready" | cut -d= -f2 || echo 0)
    seconds=$(grep -o 'seconds=[0-9.]*' <<<"$ready" | cut -d= -f2)
    generation+=("$size sockets: ready in $seconds s ($ready); $foreign TCP sockets elsewhere on the host")

    # tcp_mem is global; idle sockets charge almost nothing, but say so if pressure is near.
    mem_pages=$(awk '/^TCP:/ { for (i = 2; i < NF; i += 2) if ($i == "mem") print $(i + 1) }' /proc/net/sockstat)
    if ((mem_pages * 2 >= tcp_mem_pressure)); then
        say "WARNING: TCP memory $mem_pages pages is near tcp_mem pressure ($tcp_mem_pressure pages): results may reflect memory pressure"
    fi

    bench_size "$size" "${time_wait:-0}" "${labels[@]}"
    drop_namespace
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b == 0) print "-"; else printf "%.2f", a / b }'; }

table() {
    echo "| sockets | command | runs | wall ms | CPU ms | peak RSS MB | wall ÷ ss -tan | wall ÷ ss -tani |"
    echo "|---:|---|---:|---:|---:|---:|---:|---:|"
    local size label key w c m base_tan base_tani
    for size in "${rows[@]}"; do
        # shellcheck disable=SC2086 # word lists on purpose
        base_tan=$(median ${wall["$size|ss -tan"]:-})
        # shellcheck disable=SC2086
        base_tani=$(median ${wall["$size|ss -tani"]:-})
        for label in "${labels[@]}"; do
            key="$size|$label"
            if [[ -z ${runs[$key]:-} ]]; then
                [[ -z ${fails[$key]:-} ]] || printf '| %s | `%s` | 0 | failed (%s runs) | | | | |\n' "${actual[$size]:-$size}" "$label" "${fails[$key]}"
                continue
            fi
            # shellcheck disable=SC2086
            w=$(median ${wall[$key]}); c=$(median ${cpu[$key]}); m=$(median ${rss[$key]})
            printf '| %s | `%s` | %s | %s | %s | %.1f | %s | %s |\n' "${actual[$size]:-$size}" "$label" "${runs[$key]}" \
                "$w" "$c" "$(awk -v k="$m" 'BEGIN { print k / 1024 }')" "$(ratio "$w" "$base_tan")" "$(ratio "$w" "$base_tani")"
        done
    done
}

mkdir -p "$here/results"
result_file="$here/results/$(date +%F).md"
{
    echo
    echo "## $(date '+%F %H:%M') — $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
    echo
    echo "Machine: $machine. Load average at start $load_start, at end $(cut -d' ' -f1-3 /proc/loadavg)." \
        "Rounds: $rounds ($rounds_slow for commands whose first run took over 10 s)."
    echo "Medians of whole-process measurements by GNU time (10 ms resolution), inside \`ip netns exec\`, output to /dev/null."
    echo
    for line in "${generation[@]}"; do echo "- generation: $line"; done
    echo
    table
} | tee -a "$result_file"
say "appended to $result_file"

#!/usr/bin/env bash
# What the socket model costs: `tcpdoctor diagnose --sample 0` (one snapshot with tcp_info, every detector)
# and `tcpdoctor summary` of two builds, side by side with ss -tani, on one table held by bench/SocketGen
# in a private network namespace. For a change to TcpSocket or TcpInfo: BASELINE is the build before it.
#
# usage: BASELINE=/path/to/old/tcpdoctor bench/ModelCost/run.sh [--rounds N] [SIZE]
#   SIZE        socket count (default 400000)
#   --rounds N  alternating rounds (default 3)
# environment: TCPDOCTOR (default bench/out/tcpdoctor), SOCKETGEN (default bench/out/socketgen/socketgen),
#              both published when missing; BASELINE (optional) another tcpdoctor to compare with.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
bench=$(dirname "$here")
root=$(dirname "$bench")
rounds=3
size=400000
while [[ $# -gt 0 ]]; do
    case "$1" in
        --rounds) rounds=$2; shift 2 ;;
        -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        -*) echo "model-cost: unknown option $1" >&2; exit 2 ;;
        *) [[ $1 =~ ^[0-9]+$ ]] || { echo "model-cost: size '$1' is not a number" >&2; exit 2; }
           size=$1; shift ;;
    esac
done
say() { echo "model-cost: $*" >&2; }
# shellcheck source=../Shared/socketgen.sh
source "$bench/Shared/socketgen.sh"
prepare tdmodel
[[ -x /usr/bin/time ]] || die "needs GNU time (/usr/bin/time, Debian package time)"
ok=$bench/Shared/findings-ok.sh

declare -A cmd
labels=("ss -tani" "diagnose" "summary")
cmd["ss -tani"]="ss -tani"
cmd["diagnose"]="$ok $TCPDOCTOR diagnose --sample 0 --format json"
cmd["summary"]="$TCPDOCTOR summary"
if [[ -n ${BASELINE:-} ]]; then
    labels+=("baseline diagnose" "baseline summary")
    cmd["baseline diagnose"]="$ok $BASELINE diagnose --sample 0 --format json"
    cmd["baseline summary"]="$BASELINE summary"
fi

generate "$size"
declare -A wall rss
for ((r = 0; r < rounds; r++)); do
    n=${#labels[@]}
    for ((i = 0; i < n; i++)); do
        label=${labels[$(((i + r) % n))]}
        # shellcheck disable=SC2086 # the command is words on purpose
        ip netns exec "$ns" /usr/bin/time -f "%e %M" -o "$work/t" ${cmd[$label]} >/dev/null 2>"$work/err" || die "$label failed: $(head -c 200 "$work/err")"
        read -r w m < <(tail -n 1 "$work/t")
        wall[$label]+=" $w"; rss[$label]+=" $m"
        say "$(printf '%-20s %6s s %8s KiB' "$label" "$w" "$m")"
    done
done

median() { printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
echo "| $size sockets | wall s (median of $rounds) | peak RSS MB (median) |"
echo "|---|---:|---:|"
for label in "${labels[@]}"; do
    # shellcheck disable=SC2086
    printf '| %s | %s | %.0f |\n' "$label" "$(median ${wall[$label]})" "$(echo "$(median ${rss[$label]}) / 1024" | bc -l)"
done

#!/usr/bin/env bash
# How fast `tcpdoctor analyze` reads what people paste: real `ss -tan` and `ss -tanpoi` output of SIZE
# sockets held by bench/SocketGen, repeated to at least LINES lines, next to `wc -l` (the floor) and
# `jc --ss` (the tool people convert ss output with) where it is installed. Lines per second of the
# whole command (read + diagnosis) and of tcpdoctor's read alone (TCPDOCTOR_TIMINGS), and peak RSS.
#
# usage: bench/Analyze/run.sh [--sockets SIZE] [--lines LINES] [--runs N]
#   --sockets SIZE   sockets to capture ss output of (default 400000)
#   --lines LINES    lines per input, by repeating the capture (default 1000000)
#   --runs N         runs per command, median (default 3)
# environment: TCPDOCTOR, SOCKETGEN (published when missing).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
bench=$(dirname "$here")
root=$(dirname "$bench")
size=400000
lines=1000000
runs=3
while [[ $# -gt 0 ]]; do
    case "$1" in
        --sockets) size=$2; shift 2 ;;
        --lines) lines=$2; shift 2 ;;
        --runs) runs=$2; shift 2 ;;
        -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "analyze-bench: unknown argument $1" >&2; exit 2 ;;
    esac
done

say() { echo "analyze-bench: $*" >&2; }
# shellcheck source=../Shared/socketgen.sh
source "$bench/Shared/socketgen.sh"
prepare tdanalyze
[[ -x /usr/bin/time ]] || die "GNU time (/usr/bin/time) is missing: apt-get install time"

generate "$size"
for fmt in tan tanpoi; do
    ip netns exec "$ns" ss "-$fmt" >"$work/one-$fmt.txt"
    n=$(wc -l <"$work/one-$fmt.txt")
    : >"$work/$fmt.txt"
    total=0
    while ((total < lines)); do cat "$work/one-$fmt.txt" >>"$work/$fmt.txt"; total=$((total + n)); done
    say "ss -$fmt: $n lines per capture, $(wc -l <"$work/$fmt.txt") lines, $(( $(stat -c %s "$work/$fmt.txt") / 1048576 )) MiB"
done
drop_namespace

# jc's ss parser wants ss -a's Netid column: the same rows with it (what ss -an prints for TCP).
for fmt in tan tanpoi; do
    sed -e '1s/^/Netid /' -e '2,$s/^\([^[:space:]]\)/tcp   \1/' "$work/$fmt.txt" >"$work/$fmt-netid.txt"
done

# One run: "wall_s peak_rss_kb read_ms" (read_ms only for tcpdoctor); "failed" when a tool could not parse the input.
once() {
    /usr/bin/time -f '%e %M' -o "$work/time" bash -c "$1" >/dev/null 2>"$work/err" || true
    if grep -q "jc:  Error" "$work/err"; then echo "failed failed -"; return; fi
    local read_ms
    read_ms=$(sed -n 's/.*read=\([0-9]*\)ms.*/\1/p' "$work/err" | head -n 1)
    echo "$(tail -n 1 "$work/time") ${read_ms:--}"
}
median() { sort -g | sed -n "$(( (runs + 1) / 2 ))p"; }

out="$bench/results/$(date +%F)-analyze.md"
{
    echo "## $(date '+%F %H:%M') — $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
    echo
    echo "ss output of $size sockets (bench/SocketGen) repeated to ≥ $lines lines; $(nproc) CPUs, $(uname -r); median of $runs runs."
    echo
    echo "| input | command | lines | wall s | lines/s | read alone lines/s | peak RSS MB |"
    echo "|---|---|---:|---:|---:|---:|---:|"
} | tee -a "$out"
for fmt in tan tanpoi; do
    file="$work/$fmt.txt"
    n=$(wc -l <"$file")
    cmds=("wc -l $file" "TCPDOCTOR_TIMINGS=1 '$TCPDOCTOR' analyze $file --min-severity critical")
    command -v jc >/dev/null && cmds+=("jc --ss <$work/$fmt-netid.txt")
    for cmd in "${cmds[@]}"; do
        walls=(); rsss=(); reads=()
        for ((r = 0; r < runs; r++)); do
            read -r w m rd < <(once "$cmd")
            walls+=("$w"); rsss+=("$m"); reads+=("$rd")
        done
        if [[ ${walls[0]} == failed ]]; then
            echo "| ss -$fmt | \`$(echo "$cmd" | sed -e "s|$work/||g")\` | $n | - | could not parse it | - | - |" | tee -a "$out"
            continue
        fi
        w=$(printf '%s\n' "${walls[@]}" | median)
        m=$(printf '%s\n' "${rsss[@]}" | median)
        rd=$(printf '%s\n' "${reads[@]}" | median)
        label=$(echo "$cmd" | sed -e "s|$work/||g" -e "s|'$TCPDOCTOR'|tcpdoctor|" -e 's|TCPDOCTOR_TIMINGS=1 ||')
        rate=$(awk -v n="$n" -v w="$w" 'BEGIN { printf "%.0f", (w > 0 ? n / w : 0) }')
        rrate=$([[ $rd == - ]] && echo - || awk -v n="$n" -v r="$rd" 'BEGIN { printf "%.0f", (r > 0 ? n / (r / 1000) : 0) }')
        echo "| ss -$fmt | \`$label\` | $n | $w | $rate | $rrate | $((m / 1024)) |" | tee -a "$out"
    done
done
echo | tee -a "$out"
say "appended to $out"

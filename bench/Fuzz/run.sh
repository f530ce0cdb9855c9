#!/usr/bin/env bash
# A long fuzz run of analyze's readers: the CsCheck mutation tests of tests/TcpDoctor.Tests/Import
# (real ss, netstat and /proc/net/tcp captures cut, duplicated, dropped, swapped, corrupted, CRLF,
# absurd numbers), with ITER cases per test instead of CI's 300. A failure prints CsCheck's seed,
# which reproduces it (CsCheck_Seed=...).
#
# usage: bench/Fuzz/run.sh [ITER]      (default 100000 per test: about 2 minutes on 2 cores)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
iter=${1:-100000}
[[ $iter =~ ^[0-9]+$ && $iter -gt 0 ]] || { echo "fuzz: '$iter' is not a positive number" >&2; exit 2; }
dotnet build "$root/tests/TcpDoctor.Tests" -c Release >/dev/null
started=$(date +%s)
TCPDOCTOR_FUZZ_ITER=$iter "$root/tests/TcpDoctor.Tests/bin/Release/net10.0/TcpDoctor.Tests" -class TcpDoctor.Tests.Import.InputMutationTests
echo "fuzz: $iter cases per test in $(( $(date +%s) - started )) s"

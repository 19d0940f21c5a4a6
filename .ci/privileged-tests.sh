#!/bin/sh
# Runs the tests that need root to set up, each as its own filter:
#   - the full-disk test mounts a small tmpfs (mount needs root);
#   - the shared records server tests create the chartroom group and unprivileged users
#     (groupadd, useradd), install a setgid binary with `chartroom server install` under
#     /var/lib/chartroom-ci, write /etc/chartroom/config.toml, and run chartroom, sqlite3 and
#     cat as those users (setpriv), since root itself ignores file permissions.
# They are #[ignore]d in a plain `cargo test` and FAIL (never skip) when a prerequisite is
# missing. This script installs nothing; .ci/run installs util-linux (setpriv, mount,
# findmnt, script), passwd (useradd), e2fsprogs (chattr) and sqlite3.
set -eu
cd "$(dirname "$0")/.."

if [ "$(id -u)" -ne 0 ]; then
    echo "privileged-tests: run as root (they create users, a group, a setgid binary and a tmpfs)" >&2
    exit 1
fi
for tool in setpriv useradd groupadd mount findmnt script chattr sqlite3; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "privileged-tests: $tool is missing" >&2
        exit 1
    fi
done

log=$(mktemp)
# Leave the machine as it was: the shared-server tests write a system config that every
# chartroom on this machine would read, a setgid install, users and a group.
cleanup() {
    rm -f "$log"
    chattr -a /var/lib/chartroom-ci/log/anchors 2>/dev/null || true
    rm -rf /var/lib/chartroom-ci
    rm -f /etc/chartroom/config.toml
    rmdir /etc/chartroom 2>/dev/null || true
    for u in crs-admin crs-tech crs-audit crs-off crs-stranger; do
        userdel "$u" 2>/dev/null || true
    done
    groupdel chartroom 2>/dev/null || true
}
trap cleanup EXIT

# A filter that matched nothing would "pass" with 0 tests: insist that each ran and passed.
run() {
    name=$1
    shift
    cargo test --release --test it "$@" -- --include-ignored >"$log" 2>&1 || {
        cat "$log" >&2
        exit 1
    }
    if ! grep -Eq "test result: ok\. [1-9][0-9]* passed" "$log"; then
        cat "$log" >&2
        echo "privileged-tests: $name did not run and pass" >&2
        exit 1
    fi
    grep -E "^test |test result" "$log"
}

run "the full-disk test" harden_errors::disk_full
run "the shared-server tests" shared_server::
echo "privileged-tests: the full-disk and shared-server tests passed"

#!/usr/bin/env bash
# make test-sam-local: the events/ files, the log level and a long wait through SAM CLI's own
# `sam local invoke` and `sam local start-lambda`, in Lambda's container shape (arm64, under qemu).
# Installs what is missing (Docker engine, qemu and binfmt for arm64, debootstrap), starts dockerd
# if none answers, builds the base-image stand-in when no such image is present or its recipe
# changed, runs `sam build` and localcloud.sam_local; stops whatever it started, on any exit.
set -euo pipefail
cd "$(dirname "$0")/../.."
here=tools/sam-local
BASE_IMAGE=public.ecr.aws/lambda/python:3.13-arm64   # what SAM CLI looks for (python3.13, arm64)
RAPID_IMAGE=public.ecr.aws/lambda/python:3.13-rapid-arm64  # what it builds on it, adding its RIE
started=$(date +%s)
say() { printf '== sam-local (%ss): %s\n' "$(($(date +%s) - started))" "$*"; }

# Root only for what is missing: packages, binfmt, a Docker engine, the stand-in's root file system.
as_root() {
    [ "$(id -u)" -eq 0 ] || { echo "make test-sam-local: $1 needs root (run it as root)" >&2; exit 2; }
}

# What the run starts, undone on any exit (in reverse order of starting).
dockerd_pid='' log='' binfmt_mounted='' binfmt_enabled='' sweep='' containers_before=''
cleanup() {
    local status=$?
    if [ -n "$sweep" ]; then  # containers on SAM CLI's image that this run left
        for id in $(docker ps -aq --filter "ancestor=$RAPID_IMAGE" 2>/dev/null); do
            grep -qx "$id" <<<"$containers_before" || docker rm -f "$id" > /dev/null 2>&1 || true
        done
    fi
    if [ -n "$dockerd_pid" ]; then
        kill "$dockerd_pid" 2>/dev/null || true
        for _ in $(seq 60); do kill -0 "$dockerd_pid" 2>/dev/null || break; sleep 0.5; done
        kill -9 "$dockerd_pid" 2>/dev/null || true
        rm -f "$log"
    fi
    [ -z "$binfmt_enabled" ] || update-binfmts --disable qemu-aarch64 > /dev/null 2>&1 || true
    [ -z "$binfmt_mounted" ] || umount /proc/sys/fs/binfmt_misc 2>/dev/null || true
    say "done (exit $status)"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Debian packages, each only when its command is missing.
updated=''
need() {  # need COMMAND PACKAGE
    command -v "$1" > /dev/null && return
    as_root "installing $2"
    say "installing $2"
    [ -n "$updated" ] || { apt-get update -qq; updated=1; }
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$2" > /dev/null
}

# A Docker engine: the one that answers, else ours, with no NAT and no forwarding, so containers
# reach this machine's bridge address and nothing beyond it.
if ! docker info > /dev/null 2>&1; then
    need dockerd docker.io
    as_root "starting dockerd"
    say "starting dockerd"
    log=$(mktemp /var/tmp/psu-dockerd.XXXXXX.log)
    # its own session: a Ctrl-C of the run must not stop it before the containers are swept
    setsid dockerd --iptables=false --ip-masq=false --ip-forward=false > "$log" 2>&1 &
    dockerd_pid=$!
    for _ in $(seq 120); do
        docker info > /dev/null 2>&1 && break
        kill -0 "$dockerd_pid" 2>/dev/null || { tail -n 20 "$log" >&2; exit 1; }
        sleep 0.5
    done
    docker info > /dev/null 2>&1 || { echo "dockerd did not answer within 60 s" >&2; tail -n 20 "$log" >&2; exit 1; }
fi
containers_before=$(docker ps -aq)
sweep=1

# arm64 binaries run under qemu on other machines (fix-binary, so inside containers too).
if [ "$(uname -m)" != aarch64 ] && [ ! -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]; then
    need qemu-aarch64-static qemu-user-static
    need update-binfmts binfmt-support
    as_root "enabling arm64 emulation (binfmt_misc)"
    if [ ! -e /proc/sys/fs/binfmt_misc/status ]; then
        mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
        binfmt_mounted=1
    fi
    if [ ! -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]; then
        update-binfmts --enable qemu-aarch64
        binfmt_enabled=1
    fi
fi

# The base image: a real one (pulled by a user with registry access) is used as it is; a stand-in
# is rebuilt when its recipe (the script, and the runtime client's pin) changed.
recipe=$(cat "$here/standin-image.sh" <(grep '^awslambdaric==' requirements-dev.txt) | sha256sum | cut -c1-16)
label=$(docker image inspect -f '{{index .Config.Labels "psu.standin.recipe"}}' "$BASE_IMAGE" 2>/dev/null || echo absent)
if [ "$label" = absent ] || { [ -n "$label" ] && [ "$label" != "<no value>" ] && [ "$label" != "$recipe" ]; }; then
    need debootstrap debootstrap
    as_root "building the base-image stand-in (debootstrap)"
    say "building the base-image stand-in $BASE_IMAGE (recipe $recipe; debootstrap under qemu, minutes)"
    old=$(docker image inspect -f '{{.Id}}' "$BASE_IMAGE" 2>/dev/null || true)
    "$here/standin-image.sh" "$BASE_IMAGE" "$recipe"
    docker rmi "$RAPID_IMAGE" > /dev/null 2>&1 || true   # built on the old base: SAM CLI rebuilds it
    [ -z "$old" ] || docker rmi "$old" > /dev/null 2>&1 || true
    say "stand-in built"
elif [ "$label" = "$recipe" ]; then
    say "base-image stand-in cached (recipe $recipe)"
else
    say "using $BASE_IMAGE as found (not a stand-in)"
fi

say "sam build"
built=$(AWS_EC2_METADATA_DISABLED=true PATH="$PWD/.venv/bin:$PATH" \
    .venv/bin/sam build --template template.yaml 2>&1) || { echo "$built" >&2; exit 1; }
# The bridge's address, read off its interface: on a default bridge made afresh, the network's
# IPAM config names no gateway, so `docker network inspect` would give an empty host (every
# interface). dockerd creates the interface as it starts; wait for its IPv4 address briefly.
need ip iproute2
ifname=$(docker network inspect bridge -f '{{index .Options "com.docker.network.bridge.name"}}')
case "$ifname" in ''|'<no value>') ifname=docker0 ;; esac
bridge=''
for _ in $(seq 40); do
    bridge=$(ip -4 -o addr show dev "$ifname" 2>/dev/null | awk '{ sub("/.*", "", $4); print $4; exit }')
    [ -z "$bridge" ] || break
    sleep 0.5
done
say "events through sam local (bridge $ifname, address ${bridge:-none})"
PYTHONPATH=src/handler:. .venv/bin/python -m localcloud.sam_local --bridge "$bridge" "$@"

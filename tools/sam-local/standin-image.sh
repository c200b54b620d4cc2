#!/usr/bin/env bash
# The recipe of a stand-in for Lambda's python3.13 arm64 base image, for machines that cannot pull
# public.ecr.aws/lambda/python:3.13-arm64 (no registry): Debian trixie's Python 3.13 (not Amazon
# Linux) with Lambda's own runtime client, awslambdaric, in /var/runtime and a /var/runtime/bootstrap
# that starts it as the real image does. Tagged under the name SAM CLI looks for, and labelled with
# this file's hash so that a changed recipe builds a new image.
# Usage: standin-image.sh IMAGE RECIPE_HASH (run as root, binfmt for arm64 enabled).
set -euo pipefail
image=$1 recipe=$2
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
ric=$(sed -n 's/^\(awslambdaric==[^ ]*\).*/\1/p' "$root/requirements-dev.txt")  # make invoke's pin
work=$(mktemp -d /var/tmp/psu-standin.XXXXXX)
trap 'rm -rf "$work"' EXIT
rootfs=$work/rootfs

debootstrap --arch=arm64 --variant=minbase --include=python3,ca-certificates \
    trixie "$rootfs" http://deb.debian.org/debian > "$work/debootstrap.log" 2>&1 \
    || { tail -n 30 "$work/debootstrap.log" >&2; exit 1; }
chroot "$rootfs" python3 -c 'import sys; assert sys.version_info[:2] == (3, 13), sys.version'

"$root/.venv/bin/python" -m pip install --quiet --no-compile --target "$rootfs/var/runtime" \
    --platform manylinux2014_aarch64 --python-version 3.13 --implementation cp \
    --only-binary=:all: "$ric" > "$work/pip.log" 2>&1 || { cat "$work/pip.log" >&2; exit 1; }
cat > "$rootfs/var/runtime/bootstrap" <<'BOOT'
#!/bin/sh
# As Lambda's python image starts its runtime client: the handler from _HANDLER, set by the
# runtime interface emulator, the runtime's packages after the function's own.
export PYTHONPATH="/var/runtime${PYTHONPATH:+:$PYTHONPATH}"
exec /usr/bin/python3 -m awslambdaric "${_HANDLER:-$1}"
BOOT
chmod 755 "$rootfs/var/runtime/bootstrap"
mkdir -p "$rootfs/var/task" "$rootfs/opt"
rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*

tar -C "$rootfs" -c . | docker import --platform linux/arm64 \
    --change 'ENV LAMBDA_TASK_ROOT=/var/task' \
    --change 'ENV LAMBDA_RUNTIME_DIR=/var/runtime' \
    --change 'ENV LANG=C.UTF-8' \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'WORKDIR /var/task' \
    --change "LABEL psu.standin.recipe=$recipe" \
    --change 'ENTRYPOINT ["/var/runtime/bootstrap"]' \
    - "$image" > /dev/null

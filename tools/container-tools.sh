#!/usr/bin/env bash
# Installs what `make images` and the image tests need, when it is missing: podman and runc
# (crun, podman's other runtime, refuses hosts whose cgroups are in hybrid mode) and
# debootstrap (for the stand-in base, when the canonical base images cannot be pulled).
# Debian/Ubuntu packages, installed with apt-get when this runs as root (CI does); otherwise
# it only says what is missing, and the image tests skip with that reason.
set -euo pipefail

missing=()
engine_works=no
if command -v podman >/dev/null && podman info >/dev/null 2>&1; then
  engine_works=yes
elif command -v docker >/dev/null && docker info >/dev/null 2>&1; then
  engine_works=yes
fi
if [ "$engine_works" = no ] || command -v podman >/dev/null 2>&1; then
  command -v podman >/dev/null 2>&1 || missing+=(podman)
  command -v runc >/dev/null || [ -x /usr/sbin/runc ] || missing+=(runc)
fi
command -v debootstrap >/dev/null || [ -x /usr/sbin/debootstrap ] || missing+=(debootstrap)

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
  echo "container tools: ${missing[*]} missing; install them (e.g. sudo apt-get install" \
       "${missing[*]}) to build and test the images" >&2
  exit 0
fi
echo "== Installing ${missing[*]} (Debian packages, for the images and their tests)"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${missing[@]}" >/dev/null

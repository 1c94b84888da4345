#!/usr/bin/env bash
# The Debian packages a make target needs, installed when they are missing: the one place that knows them
# (the Makefile's `make test` and `make run`/`make up`, and .ci/run through `make test`, call it).
#
#   scripts/install_system_packages.sh chromium redis-server nginx postgresql
#
# chromium: the browser tests (Playwright drives Debian's Chromium, never a downloaded one);
# redis-server, nginx, postgresql: the scale-out profile (tests/scale, `make run PROFILE=scale`).
# Nothing missing: silent, exit 0. Missing and root: apt-get installs them. Missing and not root:
# one line naming the command to run, exit 1, before any other work is done.
set -euo pipefail

present() {
  case "$1" in
    chromium) test -x /usr/bin/chromium ;;
    redis-server) command -v redis-server >/dev/null 2>&1 ;;
    nginx) test -x /usr/sbin/nginx ;;
    postgresql) compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null ;;
    *) echo "install_system_packages.sh: unknown package '$1' (known: chromium redis-server nginx postgresql)" >&2
       exit 2 ;;
  esac
}

missing=()
for package in "$@"; do
  present "$package" || missing+=("$package")
done
((${#missing[@]})) || exit 0

command="apt-get update && apt-get install -y ${missing[*]}"
if [[ $(id -u) -ne 0 ]]; then
  echo "Missing Debian packages: ${missing[*]}. Install them first: sudo sh -c '$command'" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "Missing packages: ${missing[*]}, and no apt-get here: install them with this system's package manager." >&2
  exit 1
fi
echo "Installing Debian packages: ${missing[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
for package in "${missing[@]}"; do
  present "$package" || { echo "install_system_packages.sh: $package is still missing after apt-get" >&2; exit 1; }
done

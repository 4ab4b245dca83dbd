#!/bin/sh
# SPDX-License-Identifier: MIT
# Installs what netfence's build, demo and tests need, only when missing.
# Debian packages need root (or sudo); pytest comes from PyPI for the
# python3 on PATH.
set -eu

# bash-completion, zsh and fish: the CLI suite loads the generated shell
# completions in each shell.
missing=""
# debhelper and lintian: `make deb` and the deb suite.
for package in libcap-dev libseccomp-dev pkg-config valgrind bash-completion zsh fish debhelper lintian; do
	dpkg -s "$package" >/dev/null 2>&1 || missing="$missing $package"
done
command -v pkg-config >/dev/null 2>&1 || missing="$missing pkg-config"

if [ -n "$missing" ]; then
	echo "netfence: installing Debian packages:$missing"
	SUDO=""
	[ "$(id -u)" = 0 ] || SUDO=sudo
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null
fi

# pytest for the python3 on PATH: Debian's package serves the system python3
# (whose pip is "externally managed"); another python3 (pyenv, venv) gets it
# from PyPI.
# jsonschema validates the status report against docs/status-schema.json.
python_missing=""
python3 -c 'import pytest' >/dev/null 2>&1 || python_missing="$python_missing pytest"
python3 -c 'import jsonschema' >/dev/null 2>&1 || python_missing="$python_missing jsonschema"
python3 -c 'import hypothesis' >/dev/null 2>&1 || python_missing="$python_missing hypothesis"
if [ -n "$python_missing" ]; then
	if [ "$(command -v python3)" = /usr/bin/python3 ]; then
		debian=$(for m in $python_missing; do printf ' python3-%s' "$m"; done)
		echo "netfence: installing$debian"
		SUDO=""
		[ "$(id -u)" = 0 ] || SUDO=sudo
		$SUDO apt-get update -qq
		DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $debian >/dev/null
	else
		echo "netfence: installing$python_missing for $(command -v python3)"
		python3 -m pip install -q $python_missing
	fi
fi

# @c @implementation (SE-0495) needs Swift 6.3.
if ! command -v swift >/dev/null 2>&1; then
	echo "netfence: the Swift toolchain (6.3 or newer) must be on PATH" >&2
	exit 1
fi
swift_version=$(swift --version 2>/dev/null | sed -n 's/.*Swift version \([0-9]*\)\.\([0-9]*\).*/\1 \2/p' | head -1)
set -- $swift_version
if [ $# -ne 2 ] || [ "$1" -lt 6 ] || { [ "$1" -eq 6 ] && [ "$2" -lt 3 ]; }; then
	echo "netfence: Swift 6.3 or newer is needed (found: $(swift --version 2>&1 | head -1))" >&2
	exit 1
fi

#!/bin/sh
# SPDX-License-Identifier: MIT
# Installs what netfence's build, demo and tests need, only when missing.
# Debian packages need root (or sudo); pytest comes from PyPI for the
# python3 on PATH.
set -eu

missing=""
for package in libcap-dev libseccomp-dev pkg-config; do
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

if ! python3 -c 'import pytest' >/dev/null 2>&1; then
	echo "netfence: installing pytest"
	python3 -m pip install -q pytest
fi

if ! command -v swift >/dev/null 2>&1; then
	echo "netfence: the Swift toolchain (6.3 or newer) must be on PATH" >&2
	exit 1
fi

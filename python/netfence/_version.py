# SPDX-License-Identifier: MIT
"""The package's version, from the one place it is written: the
``NETFENCE_VERSION_*`` macros of ``include/netfence.h``.

In the source tree the header is read directly (which is also how
``pip install ./python`` gets the version for the package's metadata, see
pyproject.toml); an installed package (a wheel, or ``pip install``) reads
its own metadata, which was made from the header when it was built."""
import os
import re


def _from_header(path: str) -> str:
    with open(path) as header:
        text = header.read()
    parts = [re.search(rf"^#define NETFENCE_VERSION_{part} (\d+)$", text, re.M) for part in ("MAJOR", "MINOR", "PATCH")]
    if not all(parts):
        raise ValueError(f"{path} has no NETFENCE_VERSION_* macros")
    return ".".join(match.group(1) for match in parts if match)


_HEADER = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, os.pardir, "include", "netfence.h")

if os.path.isfile(_HEADER):
    __version__ = _from_header(_HEADER)
else:
    from importlib.metadata import version as _installed_version

    __version__ = _installed_version("netfence")

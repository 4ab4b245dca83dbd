# SPDX-License-Identifier: MIT
"""The package's version, from the one place it is written: the
``NETFENCE_VERSION_*`` macros of ``include/netfence.h``.

In the source tree the header is read directly (which is also how
``pip install ./python`` gets the version for the package's metadata, see
pyproject.toml); a build from the sdist reads its PKG-INFO; an installed
package (a wheel, or ``pip install``) reads its own metadata, made from the
header when it was built."""
import os
import re


def _from_header(path: str) -> str:
    with open(path) as header:
        text = header.read()
    parts = [re.search(rf"^#define NETFENCE_VERSION_{part} (\d+)$", text, re.M) for part in ("MAJOR", "MINOR", "PATCH")]
    if not all(parts):
        raise ValueError(f"{path} has no NETFENCE_VERSION_* macros")
    return ".".join(match.group(1) for match in parts if match)


_PACKAGE = os.path.dirname(os.path.abspath(__file__))
_PROJECT = os.path.dirname(_PACKAGE)
_HEADER = os.path.join(_PROJECT, os.pardir, "include", "netfence.h")


def _from_sdist(path: str) -> str:
    with open(path) as info:
        for line in info:
            if line.startswith("Version: "):
                return line.split(":", 1)[1].strip()
    raise ValueError(f"{path} has no Version")


# The source tree only (python/ beside include/): never a header that merely
# sits near an installed package. Then the sdist's PKG-INFO (building from
# it), then the installed package's own metadata.
if os.path.isfile(os.path.join(_PROJECT, "pyproject.toml")) and os.path.isfile(_HEADER):
    __version__ = _from_header(_HEADER)
elif os.path.isfile(os.path.join(_PROJECT, "PKG-INFO")):
    __version__ = _from_sdist(os.path.join(_PROJECT, "PKG-INFO"))
else:
    from importlib.metadata import version as _installed_version

    __version__ = _installed_version("netfence")

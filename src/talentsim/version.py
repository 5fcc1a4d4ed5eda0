"""The installed package version (bottom layer: the CLI, the report and manifests read it)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("talentsim")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+unknown"

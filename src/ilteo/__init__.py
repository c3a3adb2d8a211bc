"""일터 ilteo — an open platform for a national employment and labour ministry in the AI transition.

Importing this package builds nothing: settings, databases and models are created on first use.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("ilteo")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0.0.0"

__all__ = ["__version__"]

"""Settings, database engines, errors and other plumbing; imports nothing else of ilteo."""

from ilteo.core.errors import (
    ConfigurationError,
    DataUnavailableError,
    IlteoError,
    InvalidInputError,
    NotFoundError,
)
from ilteo.core.settings import Settings, get_settings

__all__ = [
    "ConfigurationError",
    "DataUnavailableError",
    "IlteoError",
    "InvalidInputError",
    "NotFoundError",
    "Settings",
    "get_settings",
]

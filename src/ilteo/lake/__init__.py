"""The integrated data lake: sources, contracts, quarantine, standard keys, linkage, catalogue."""

from ilteo.lake.layout import LakePaths

__all__ = ["LakePaths"]

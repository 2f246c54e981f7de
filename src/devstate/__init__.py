"""devstate: a vendor-neutral device-state migration format and its toolkit."""

__version__ = "0.1.0"

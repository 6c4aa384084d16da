"""roamsim simulation core: OCPI protocol, parties, world and CLI (never imports Qt)."""

__version__ = "0.1.0"

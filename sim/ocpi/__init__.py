"""The OCPI wire protocol, versions 2.1.1 and 2.2.1 — nothing simulation-specific lives here."""

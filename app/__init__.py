"""roamsim desktop GUI (PySide6). The only package that imports Qt; it drives ``sim`` and never the reverse."""

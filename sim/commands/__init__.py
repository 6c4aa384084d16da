"""One module per CLI verb: each offers ``add_parser(subparsers)`` and a handler returning an exit code.

A verb too large for one module keeps its parts in ``<verb>_<part>`` modules (``price_input``,
``price_report``).
"""

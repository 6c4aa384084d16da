"""One module per CLI verb: each offers ``add_parser(subparsers)`` and a handler returning an exit code."""

"""Entry point: `python3 -m local_server`, or `python3 /path/to/local_server/__main__.py` (no runpy).

It imports `lambda_runtime_api`, which the image's zip carries beside it; from a checkout,
that package is in runtime/: `PYTHONPATH=runtime python3 -m local_server`.
"""

import sys

if __name__ == "__main__":
    if not __package__:
        # Run as a script, Python put the package's own folder first on sys.path: the
        # folder above it is the one `local_server` is imported from.
        import os

        sys.path[0] = os.path.dirname(sys.path[0])

    from local_server.cli import main

    sys.exit(main())

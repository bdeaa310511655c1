"""Entry point: `python3 -u lambda_runtime/__main__.py` (what bootstrap runs) or `python3 -m lambda_runtime`."""

import sys

if not __package__:
    # Run as a script, Python put the package's own folder first on sys.path: the
    # folder above it is the one `lambda_runtime` is imported from.
    import os

    sys.path[0] = os.path.dirname(sys.path[0])

from lambda_runtime.loop import main

sys.exit(main())

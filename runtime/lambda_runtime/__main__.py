"""Entry point: `python3 -u /var/runtime/lambda_runtime/__main__.py`, what bootstrap hands to an
AWS_LAMBDA_EXEC_WRAPPER to run (without a wrapper, bootstrap starts the loop itself).

Everything is behind the `__main__` guard: a `spawn` or `forkserver` child of a handler
(multiprocessing) runs this file again as `__mp_main__` to rebuild its parent's main
module, and must neither start a second runtime nor touch `sys.path`.
"""

import sys

if __name__ == "__main__":
    if not __package__:
        # Run as a script, Python put the package's own folder first on sys.path (unless told
        # not to: PYTHONSAFEPATH), where its modules would pass for top-level ones: the folder
        # above it is the one `lambda_runtime` is imported from.
        import os

        package_folder = os.path.dirname(os.path.realpath(__file__))
        if sys.path[:1] == [package_folder]:
            sys.path[0] = os.path.dirname(package_folder)
        else:
            sys.path.insert(0, os.path.dirname(package_folder))

    # awslambdaric's module of the names that error trackers (Sentry, Honeybadger) find as
    # `__main__.bootstrap` and wrap: see lambda_runtime/bootstrap.py.
    from lambda_runtime import bootstrap  # noqa: F401
    from lambda_runtime.loop import main

    sys.exit(main())

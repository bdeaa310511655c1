"""Packs the local server into one zip that `python3 local_server.zip` runs: image/Dockerfile calls it.

The zip holds each package given (the local server with its subpackages, and the Runtime
API's definition it shares with the runtime) at its top, every module as its source and its
bytecode, compiled by the image's own python3 (unchecked-hash: the image never changes),
compressed: the whole server adds about 170 KB to the image, where the folders with their
__pycache__ would add 400 KB. Entries have a fixed date and order, so the same sources
always make the same zip.
  Usage: python3 pack-local-server.py SOURCE_DIR/local_server [OTHER_PACKAGE_DIR...] OUT.zip
"""

import importlib.util
import os
import py_compile
import sys
import tempfile
import zipfile

MAIN = b"import sys\n\nfrom local_server.cli import main\n\nsys.exit(main())\n"
EPOCH = (1980, 1, 1, 0, 0, 0)


def _add(archive: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=EPOCH)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    archive.writestr(info, data, compresslevel=9)


def _modules(package: str) -> list:
    """(path on disk, name in the zip) of every module of `package` and its subpackages, in order."""
    top = os.path.basename(os.path.normpath(package))
    found = []
    for folder, dirs, files in os.walk(package):
        dirs[:] = sorted(d for d in dirs if os.path.isfile(os.path.join(folder, d, "__init__.py")))
        inside = os.path.relpath(folder, package)
        for name in sorted(files):
            if name.endswith(".py"):
                found.append((os.path.join(folder, name), os.path.normpath(os.path.join(top, inside, name))))
    return found


def main() -> int:
    *packages, out = sys.argv[1:]
    modules = [module for package in packages for module in _modules(package)]
    with tempfile.TemporaryDirectory() as scratch, zipfile.ZipFile(out, "w") as archive:
        _add(archive, "__main__.py", MAIN)
        for index, (source, name) in enumerate(modules):
            compiled = os.path.join(scratch, f"{index}.pyc")
            py_compile.compile(source, cfile=compiled, dfile=name, doraise=True,
                               invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
            with open(source, "rb") as f:
                _add(archive, name, f.read())
            with open(compiled, "rb") as f:
                _add(archive, name + "c", f.read())  # found by zipimport before the source
    print(f"pack-local-server: {len(modules)} modules, {os.path.getsize(out)} bytes, "
          f"bytecode for Python {importlib.util.MAGIC_NUMBER.hex()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

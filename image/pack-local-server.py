"""Packs the local server into one zip that `python3 local_server.zip` runs: image/Dockerfile calls it.

The zip holds each module's source and its bytecode, compiled by the image's own python3
(unchecked-hash: the image never changes), compressed: the whole server adds about 170 KB
to the image, where the folder with its __pycache__ would add 400 KB. Entries have a fixed
date, so the same sources always make the same zip.
  Usage: python3 pack-local-server.py SOURCE_DIR/local_server OUT.zip
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


def main() -> int:
    package, out = sys.argv[1:]
    modules = sorted(name for name in os.listdir(package) if name.endswith(".py"))
    with tempfile.TemporaryDirectory() as scratch, zipfile.ZipFile(out, "w") as archive:
        _add(archive, "__main__.py", MAIN)
        for name in modules:
            source = os.path.join(package, name)
            compiled = os.path.join(scratch, name + "c")
            py_compile.compile(source, cfile=compiled, dfile=f"local_server/{name}", doraise=True,
                               invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
            with open(source, "rb") as f:
                _add(archive, f"local_server/{name}", f.read())
            with open(compiled, "rb") as f:
                _add(archive, f"local_server/{name}c", f.read())  # found by zipimport before the source
    print(f"pack-local-server: {len(modules)} modules, {os.path.getsize(out)} bytes, "
          f"bytecode for Python {importlib.util.MAGIC_NUMBER.hex()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

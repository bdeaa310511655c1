"""Where things are in the checkout."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNTIME_DIR = ROOT / "runtime"
BOOTSTRAP = RUNTIME_DIR / "bootstrap"
HANDLERS = Path(__file__).resolve().parent / "handlers"

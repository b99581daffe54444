"""Where the project's own files are: the source tree when running from a checkout, else the copy an
installed wheel carries in etl/_project (pyproject.toml, force-include). The one place that knows."""

from pathlib import Path

_CHECKOUT = Path(__file__).resolve().parent.parent
_BUNDLED = Path(__file__).resolve().parent / "_project"

PROJECT_ROOT = _CHECKOUT if (_CHECKOUT / "warehouse" / "schema").is_dir() else _BUNDLED
WAREHOUSE_DIR = PROJECT_ROOT / "warehouse"
SAMPLES_DIR = PROJECT_ROOT / "samples"

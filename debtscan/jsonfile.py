"""Reading a JSON file the user named (a baseline, a report), with one clear error when it cannot be."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Type


def load_json_file(path: str, error: Type[Exception], what: str) -> Any:
    """The parsed contents of ``path``; ``error`` with a one-line reason when it cannot be read or parsed."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise error(f"cannot read {what}{path}: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise error(f"{what}{path} is not JSON: {exc}") from None
    except RecursionError:
        raise error(f"{what}{path} is nested too deeply to be a debtscan file") from None

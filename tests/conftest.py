import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

# Every JSON report any test produces is validated against the shipped schema: debtscan's own JSON renderer
# goes through json_format.report_data, which is wrapped here for the whole session. Tests that read a report
# another way (a subprocess's stdout) call validate_report themselves.
import json as _json  # noqa: E402

import jsonschema as _jsonschema  # noqa: E402

from debtscan.report import json_format as _json_format  # noqa: E402

_REPORT_VALIDATOR = _jsonschema.Draft202012Validator(_json_format.schema())
_report_data = _json_format.report_data


def validate_report(data):
    """Validate a JSON report (as data or text) against debtscan/report/schema.json; returns the data."""
    if isinstance(data, (str, bytes)):
        data = _json.loads(data)
    _REPORT_VALIDATOR.validate(_json.loads(_json.dumps(data)))
    return data


def _validated_report_data(report):
    return validate_report(_report_data(report))


_json_format.report_data = _validated_report_data


import pytest as _pytest  # noqa: E402


@_pytest.fixture(autouse=True)
def _forget_modules_imported_from_temporary_folders(tmp_path_factory):
    """A module a test imports from its temporary folder (a plugin it writes, such as ``team_rules``) is
    forgotten after the test: another test that writes a module of the same name must import its own, not find
    this one in ``sys.modules`` (and a rule of the earlier test's module must not stand in for its own)."""
    before = set(sys.modules)
    yield
    base = str(tmp_path_factory.getbasetemp())
    for name in set(sys.modules) - before:
        location = getattr(sys.modules.get(name), "__file__", None) or ""
        if location.startswith(base):
            del sys.modules[name]

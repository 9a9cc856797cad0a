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

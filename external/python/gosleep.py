"""Parse the sleep that loadgen asks for: a Go duration ("16s", "1m20s",
"400ms", "1.5s") or a bare number of seconds ("1.5"), as labserver does."""

import re

_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)")
MAX_SLEEP = 3600.0


def seconds(value, default=0.0):
    """Seconds in value; default when it is empty. ValueError if malformed."""
    if value is None or value == "":
        return default
    try:
        return _capped(float(value))
    except ValueError:
        pass
    pos, total = 0, 0.0
    for m in _PART.finditer(value):
        if m.start() != pos:
            raise ValueError("bad duration %r" % value)
        total += float(m.group(1)) * _UNITS[m.group(2)]
        pos = m.end()
    if pos != len(value) or pos == 0:
        raise ValueError("bad duration %r" % value)
    return _capped(total)


def _capped(s):
    if not 0 <= s <= MAX_SLEEP:
        raise ValueError("sleep out of range: %r s" % s)
    return s

"""A small TOML writer for tests (claims files built from Python data): strings as JSON
strings (valid TOML basic strings), tables inline, one ``[[claim]]`` table per claim."""
import json
import math


def value(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return ("nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")) if not \
            math.isfinite(v) else repr(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, list):
        return "[" + ", ".join(value(e) for e in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{json.dumps(k, ensure_ascii=False)} = {value(e)}"
                                for k, e in v.items()) + " }"
    raise TypeError(type(v))


def claims_file(claims):
    """TOML text of `claims` (a list of dicts)."""
    out = []
    for c in claims:
        out.append("[[claim]]")
        out += [f"{json.dumps(k, ensure_ascii=False)} = {value(v)}" for k, v in c.items()]
        out.append("")
    return "\n".join(out)

"""Per-model memoisation of derived objects: each symbolic quantity is computed once a process.

A `Model` is a frozen dataclass whose equality and hash are those of its fields (name, loss,
parameters, ties, description), all immutable SymPy objects or strings; two models built
separately from the same loss compare equal. A function of the model alone is therefore a
function of that content, and caching it keyed on the model is sound. `per_model` caches
refusals too: a derivation that does not exist for a model (an `EosError`, e.g. no (a, b) map
for `two-scalar-unhalved`) is refused again without recomputation.

Cached values are shared between callers, so decorated functions return immutable values
(tuples, SymPy expressions, frozen dataclasses); a public function that promises a list wraps
a cached tuple.
"""
from functools import wraps

from ..errors import EosError


def per_model(fn):
    """Decorator: cache ``fn(model, *args)`` (hashable arguments) for the process, results and
    `EosError` refusals alike; ``fn.cache_clear()`` forgets everything."""
    cache = {}

    @wraps(fn)
    def cached(*args):
        try:
            ok, value = cache[args]
        except KeyError:
            try:
                ok, value = True, fn(*args)
            except EosError as exc:
                ok, value = False, exc
            cache[args] = ok, value
        if ok:
            return value
        raise type(value)(*value.args)  # a fresh copy: no traceback piles up

    cached.cache_clear = cache.clear
    return cached

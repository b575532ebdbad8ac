"""Generated code as plain data: source text for every backend, bound on demand.

Separate from the code generator (`compile`, which needs SymPy) so that kernels read back
from the on-disk cache (`kernel_cache`) run in a process that never imports SymPy.
"""
from dataclasses import dataclass
from fractions import Fraction

from .backends import namespace, number


@dataclass(frozen=True)
class CompiledFunction:
    """Generated code for expressions in `variables` with `params` (names), every backend.

    `bind(backend, values)` (inside `precision_scope`) returns ``(step, run)``: ``step(*v)``
    evaluates the outputs (the image $v + (v' - v)$ when the outputs are `increments`),
    ``run(*v, n)`` iterates that map n times. `float_code` holds the same program as
    float64 statements for numba kernels (`compile.float_parts`).
    """

    source: str
    variables: tuple
    params: tuple
    increments: bool
    float_code: tuple = ()

    def bind(self, backend, values=()):
        ns = namespace(backend)
        exec(compile(self.source, f"<eos-compiled {backend}>", "exec"), ns)
        return ns["make"](*[number(backend, v) if isinstance(v, (str, Fraction, int))
                            else v for v in values])

    def to_json(self):
        return {"source": self.source, "variables": list(self.variables),
                "params": list(self.params), "increments": self.increments,
                "float_code": [list(part) for part in self.float_code]}

    @classmethod
    def from_json(cls, data):
        if data is None:
            return None
        return cls(data["source"], tuple(data["variables"]), tuple(data["params"]),
                   bool(data["increments"]), tuple(tuple(p) for p in data["float_code"]))

"""Layer 3, numerics: code generation from the symbolic maps, backends (gmpy2, mpmath, Arb,
float64), compiled kernels, iteration, precision control and certified digits, outcomes,
records and the trajectory driver.

May import `symbolic` and `local`; never a layer above.
"""

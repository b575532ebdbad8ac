"""Layer 2, local analysis at the EoS minima: truncated multivariate series, charts, normal
forms (two-step system, ODE limit, end point), remainder estimates, and the full derivation
catalogue of a model (exact and local) rendered to `derivations/`.

May import `symbolic`; never a layer above.
"""

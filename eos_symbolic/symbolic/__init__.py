"""Layer 1, exact symbolic derivations: the core `Model`, built-in models, the Hessian
spectrum, minima and the EoS minimum, fixed points and 2-cycles, the (c, d) / (a, b)
reparameterisation, the exact derivation sections and the canonical symbols; each derived
object computed once per model (`memo`); the one parser for outside text (`parser`) and
the documented resource limits (`limits`).

Pure SymPy over QQ (FLINT's exact multivariate factoriser where SymPy's is slow,
`factoring`); imports nothing of the package but `errors`.
"""

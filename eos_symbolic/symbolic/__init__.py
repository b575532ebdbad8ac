"""Layer 1, exact symbolic derivations: the core `Model`, built-in models, the Hessian
spectrum, minima and the EoS minimum, fixed points and 2-cycles, the (c, d) / (a, b)
reparameterisation, the exact derivation sections and the canonical symbols; the one parser
for outside text (`parser`) and the documented resource limits (`limits`).

Pure SymPy over QQ; imports nothing of the package but `errors`.
"""

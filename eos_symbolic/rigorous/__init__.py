"""Layer 4, computer-assisted proofs with Arb balls: interval enclosures and branch-and-bound,
Krawczyk proofs of periodic orbits, the certified EoS flip, remainder bounds of truncated
expansions and the Phase-2 band.

May import `symbolic`, `local` and `numeric`; never `dynamics`, `claims` or `cli`.
"""

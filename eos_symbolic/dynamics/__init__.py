"""Layer 5, global dynamics in float64: the generated sweep kernel, sweeps, ensembles of
certified runs, basins and their dimension, bifurcation and period doubling, the paper's
experiments, the rank-1 matrix model, and the figures drawn from experiment results.

May import `symbolic`, `local`, `numeric` and `rigorous`; never `claims` or `cli`.
"""

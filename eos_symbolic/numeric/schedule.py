"""The precision schedule of a certified run: which companion certifies, when to start over.

`drive` consumes `iterate.iterate` for `trajectory.run_trajectory`. Float64 companions
(`companions`) certify while the loss is small. When they run out, or digits fall short, the
run starts over with a second mpfr run at the precision the float64 loss probes predict
(`precision.needed_dps`; then `precision.escalated_dps`); a transient of an (a, b) run is
iterated in (x, y), where the map costs 2.4x less at high precision, guarded to stop where
the (a, b) map would leave its chart (then the run starts over in (a, b) itself). While
digits are lost the precision follows the accuracy (`precision.lowered_dps`); once no more
are lost it drops back to the requested one and hands over to companions started from the
pair's state, certified to the digits the pair agrees on in the run's own chart.
"""
import math
import sys
import time
from dataclasses import dataclass
from fractions import Fraction

from .iterate import Engine, iterate
from .kernels import chart_map

_LOG10_2 = math.log10(2)
#: Seconds to the first checkpoint of a run with a record file; then the interval doubles up
#: to the run's `checkpoint_seconds`: a kill loses at most a few seconds of a short run, an
#: hour's run saves every `checkpoint_seconds`.
FIRST_CHECKPOINT = 2.0


def make_runner(certify, model, coords, eta, rec, rule=None):
    """The runner of the current segment of `rec` (under the update `rule`, None for GD):
    its precision, and for two-precision runs the kind of companion (float64 ones, or a
    second mpfr run while digits are lost)."""
    from .arb import ArbRunner
    from .precision import SingleRunner, TwoPrecisionRunner
    dps = rec.schedule[-1][1]
    if certify == "arb":
        return ArbRunner(model, coords, eta, dps, rule)
    if certify == "none":
        return SingleRunner(model, coords, eta, dps, rule)
    if rec.certifier.get("mode") == "pair":
        chart = rec.certifier.get("chart", coords)
        return TwoPrecisionRunner(model, chart, eta, dps, rule=rule, guarded=chart != coords)
    from .companions import CompanionRunner
    return CompanionRunner(model, coords, eta, dps, sync=rec.certifier.get("sync"), rule=rule)


def record_row(runner, rec, state, t, row_digits):
    values, dig = runner.row(state, t, row_digits)
    first = ("step", "a", "b") if rec.config["coords"] == "ab" else ("step",)
    values = {**{k: values[k] for k in first if k in values}, **values}  # (a, b) first
    rec.append_row(values, dig)
    err = runner.state_error_log2(state)
    if err is not None:
        rec.error_log2.append([t, err if math.isfinite(err) else None, runner.dps])


@dataclass
class Plan:
    """What a run must achieve and what it needs to predict its precision."""

    model: object
    coords: str
    eta: Fraction
    values: list
    converter: object
    steps: int
    digits: int
    base_dps: int
    max_dps: int
    rule: object = None

    def escalation(self, rec, dps, agree, losing, short):
        """Precision of the restart: predicted from the float64 loss probes the first time
        (`needed_dps`), else by `escalated_dps`; at least `dps` when only the kind of
        companion must change (`short` False: the companions ran out, the digits did not)."""
        from .companions import loss_profile
        from .precision import escalated_dps, needed_dps
        new = None
        if not rec.certifier.get("probed"):
            profile = loss_profile(self.model, self.coords, self.eta, self.values,
                                   self.converter, self.steps, rule=self.rule)
            new = needed_dps(profile, self.digits, self.max_dps)
        if short and (new is None or new <= dps):
            new = escalated_dps(dps, agree, self.digits, losing, self.max_dps)
        return max(new or dps, dps) if not short else new


def drive(runner, rec, state, plan, every, out, every_s, progress, on_check, clock):
    """Consume `iterate`; returns ("done",), ("escaped", escape, confirmed) or
    ("escalate", new_dps, step, agreeing_digits).

    Float64 companions certify while they can (`companions`); when they run out or digits
    fall short the run starts over with a second mpfr run (at the predicted precision),
    whose precision then follows the accuracy (`precision.lowered_dps`), drops back to
    the requested one once no more digits are lost, and hands over to companions started
    from that state."""
    from tqdm import tqdm

    from .precision import lowered_dps, still_losing
    digits, base_dps = plan.digits, plan.base_dps
    good_t, good_state = rec.step, state
    last_save, history = time.perf_counter(), []
    interval = min(FIRST_CHECKPOINT, every_s)
    with tqdm(total=plan.steps, initial=rec.step, unit="step", disable=not progress,
              file=sys.stderr, dynamic_ncols=True, mininterval=0.5) as bar:
        while True:
            switched = False
            check = getattr(runner, "check_every", 256)
            for t, state, recorded in iterate(runner, state, plan.steps, every, start=rec.step,
                                              check=check):
                if getattr(runner, "guarded", False) and any(map(Engine.outside, state)):
                    return ("rechart", t)
                if runner.escaped(state):
                    escape, confirmed = runner.locate_escape(good_state, good_t, t - good_t)
                    return "escaped", escape, confirmed
                if recorded:  # first: the companions' row leaves the state's loss cached
                    record_row(runner, rec, state, t, base_dps)
                rec.step, rec.live = t, (runner, state)  # rows and step count agree
                err = runner.state_error_log2(state)
                if err is not None:
                    agree = runner.dps if err == -math.inf else (
                        0 if not err < 0 else min(runner.dps, int(-err * _LOG10_2)))
                    history.append((t, err))
                    losing = still_losing(history, t)
                    ran_out = getattr(runner, "exhausted", lambda s: False)(state)
                    if agree < digits or ran_out:
                        new = plan.escalation(rec, rec.schedule[0][1], agree, losing,
                                              short=agree < digits)
                        if new is not None and (new > rec.schedule[0][1] or ran_out):
                            return "escalate", new, t, agree
                    elif (runner.dps > base_dps and agree >= base_dps and not losing
                          and t > rec.downshift_after):
                        # the transient that needed the extra digits is over: drop back
                        runner, state = hand_over(runner, rec, state, t, plan, agree)
                        history.clear()
                        switched = True
                    elif getattr(runner, "follows_accuracy", False):
                        lower = lowered_dps(runner.dps, agree, base_dps)
                        if lower is not None:
                            state = runner.downshift(state, lower)
                            rec.schedule.append([t, lower])
                            rec.precisions = list(runner.precisions)
                good_t, good_state = t, state
                rec.live = (runner, state)  # dumped to exact text only when saved
                bar.update(t - bar.n)
                if on_check is not None:
                    on_check(t)
                if out and time.perf_counter() - last_save > interval:
                    rec.states, spent = runner.dump(state), rec.seconds
                    rec.seconds = spent + time.perf_counter() - clock
                    rec.save(out)
                    rec.seconds, last_save = spent, time.perf_counter()
                    interval = min(every_s, 2 * interval)
                if switched:
                    break
            if not switched:
                return ("done",)


def hand_over(runner, rec, state, t, plan, agree):
    """Continue at `base_dps`; a two-precision pair hands over to float64 companions
    started from its primary state, converted to the run's chart if it was iterated in
    another one, certified to the digits on which the pair agrees there."""
    base_dps = plan.base_dps
    if rec.certifier.get("mode") != "pair":
        state = runner.downshift(state, base_dps)
        rec.schedule.append([t, base_dps])
        rec.precisions = list(runner.precisions)
        return runner, state
    from .companions import CompanionRunner
    from .precision import agreeing_digits
    coords, eng = rec.config["coords"], runner.primary
    pair = [in_chart(e, u, coords)[1] for e, u in zip(runner.engines, state)]
    sync = min(min(agreeing_digits(p, q, base_dps) for p, q in zip(*pair)), agree, base_dps)
    fresh = CompanionRunner(eng.model, coords, eng.eta, base_dps, sync=sync, rule=plan.rule)
    fresh.start(plan.values, plan.converter)  # the escape radius of the run's own start
    with fresh.primary.scope():
        state = fresh.synchronised(tuple(+v for v in pair[0]))
    rec.schedule.append([t, base_dps])
    rec.certifier = {"mode": "companions", "sync": sync, "probed": True}
    rec.precisions = list(fresh.precisions)
    return fresh, state


def in_chart(engine, u, coords):
    """An engine in `coords` at the precision of `engine`, and the state u in it."""
    if engine.coords == coords:
        return engine, u
    target = Engine(engine.model, coords, "mpfr", engine.dps, engine.eta)
    with target.scope():
        return target, tuple(chart_map(engine.model, coords).bind("mpfr", [engine.eta])[0](*u))

"""`run_trajectory`: iterate a model's exact GD map at D digits, certify, record, decide.

The driver validates inputs (one-line `EosError` naming the valid range), builds a runner
(`precision.TwoPrecisionRunner`, `arb.ArbRunner` or the uncertified `precision.SingleRunner`),
consumes `iterate.iterate`, records every K-th state with its observables and certified
digits, checkpoints the `record.TrajectoryRecord` (atomically, first after
`FIRST_CHECKPOINT` seconds, then at doubling intervals up to `checkpoint_seconds`, and on
interrupt), escalates the precision when fewer than the requested digits of the state
survive (restarting from step 0), and ends with an `outcome.Outcome`.

Bits lost per step: $\\ell = (\\log_2 \\delta_N - \\log_2 \\delta_0) / N$ with $\\delta_t$ the
state's relative error (two-precision difference, or Arb radius over midpoint).
"""
import math
import sys
import time
from dataclasses import dataclass
from fractions import Fraction

from ..errors import EosError, Interrupted
from ..symbolic.limits import LIMITS, check_trajectory
from ..symbolic.model import Model
from ..symbolic.models import BUILTIN, get_model
from ..symbolic.parser import parse_number as exact_number
from .iterate import iterate
from .kernels import COORDS, start_in_coords
from .outcome import Outcome, classify, escape_outcome
from .precision import certification
from .record import TrajectoryRecord

CERTIFY = ("two-precision", "arb", "none")
MIN_DPS, MAX_DPS = 15, LIMITS.hard_dps
#: Escalation stops here unless `max_dps` says otherwise (the Figure 7b orbit needs ~2200).
DEFAULT_MAX_DPS = 10000
#: Seconds to the first checkpoint of a run with a record file.
FIRST_CHECKPOINT = 2.0
_LOG10_2 = math.log10(2)


def parse_number(text, what):
    """An exact finite rational from a decimal or fraction string (``"0.01"``, ``"1/100"``),
    read by the safe parser (`symbolic.parser.parse_number`)."""
    if isinstance(text, Fraction):
        value = text
    else:
        try:
            q = exact_number(text if isinstance(text, (int, float)) else str(text), what)
        except EosError as exc:
            why = str(exc).split(": ", 1)[-1]
            raise EosError(f"{what}: expected a finite decimal number such as 0.01, got "
                           f"{str(text)[:40]!r}" + ("" if why.startswith("expected") else
                                                     f" ({why})")) from None
        value = Fraction(int(q.p), int(q.q))
    if abs(value) >= 10 ** 100:
        raise EosError(f"{what}: expected a magnitude below 1e100, got {text}")
    return value


def parse_start(text):
    """``"x=12.5,y=0.05"`` -> {name: value text}, each value checked to be a finite number."""
    out = {}
    for part in (text or "").split(","):
        name, sep, val = part.partition("=")
        if not sep or not name.strip():
            raise EosError(f"start: expected NAME=VALUE pairs such as x=12.5,y=0.05, got {text!r}")
        parse_number(val, f"start value of {name.strip()}")
        out[name.strip()] = val.strip()
    return out


def model_spec(model):
    ties = [f"{v}={u}" for v, u in model.ties]
    return {"name": model.name, "loss": str(model.loss), "ties": ties}


def model_from_spec(spec):
    if spec["name"] in BUILTIN or spec["name"].startswith("depth-"):
        return get_model(spec["name"])
    return Model.from_loss(spec["loss"], spec["ties"])


def _validate(model, eta, start, steps, dps, coords, every, digits, certify, tol, force):
    if not isinstance(steps, int) or isinstance(steps, bool) or steps < 0:
        raise EosError(f"steps: expected a non-negative integer, got {steps}")
    if not (isinstance(tol, (int, float)) and math.isfinite(tol) and 0 < tol < 1):
        raise EosError(f"tol: expected a relative tolerance 0 < tol < 1 such as 1e-10, got "
                       f"{tol}")
    if not isinstance(dps, int) or not MIN_DPS <= dps <= MAX_DPS:
        raise EosError(f"dps: expected an integer from {MIN_DPS} to {MAX_DPS} (below 15 digits "
                       f"use float64 numpy kernels), got {dps}")
    if not eta > 0:
        raise EosError(f"eta: expected a step size eta > 0, got {eta}")
    if every is not None and (not isinstance(every, int) or every < 1):
        raise EosError(f"every: expected a positive integer, got {every}")
    if digits is not None and not 1 <= digits <= dps:
        raise EosError(f"digits: expected 1 <= digits <= dps = {dps}, got {digits}")
    if isinstance(dps, int):
        check_trajectory(steps, dps, len(model.coords), every, force)
    if certify not in CERTIFY:
        raise EosError(f"certify: expected one of {', '.join(CERTIFY)}, got {certify!r}")
    if coords not in COORDS:
        raise EosError(f"coords: expected one of {', '.join(COORDS)}, got {coords!r}")
    if coords == "ab":
        from ..symbolic.minima import check_eta
        check_eta(model, eta)
    values, converter = start_in_coords(model, coords, start)
    if coords == "ab" and converter is None:
        import sympy as sp

        from ..symbolic.reparam import reparameterise
        from ..symbolic.symbols import kappa
        cc = reparameterise(model).c_check.subs(kappa, sp.sqrt(sp.Rational(eta)))
        c_val = sp.N(cc + sp.Rational(values[0]), 30)
        if not (c_val > 0 and values[1] > -1):
            raise EosError(f"start: (a, b) must satisfy c = a + c_check > 0 and d = 1 + b > 0 "
                           f"(the image of x > y > 0, C5), got a = {values[0]}, b = {values[1]} "
                           f"(c_check = {sp.N(cc, 10)})")
    return values, converter


def _make_runner(certify, model, coords, eta, precisions, rule=None):
    from .arb import ArbRunner
    from .precision import SingleRunner, TwoPrecisionRunner
    if certify == "arb":
        return ArbRunner(model, coords, eta, precisions[0], rule)
    if certify == "none":
        return SingleRunner(model, coords, eta, precisions[0], rule)
    return TwoPrecisionRunner(model, coords, eta, precisions[0], rule=rule)


@dataclass
class Trajectory:
    """Result of `run_trajectory`: the `record`, the `outcome` and the `certification`
    summary (method, requested and certified digits per quantity, bits lost per step)."""

    record: TrajectoryRecord
    outcome: Outcome
    certification: dict

    def to_dict(self):
        final = {k: col[-1] for k, col in self.record.columns.items()} if self.record.columns \
            else {}
        return {"config": self.record.config, "outcome": self.outcome.to_dict(),
                "certification": self.certification, "final": final,
                "seconds": self.record.seconds, "steps_done": self.record.step}

    def summary(self):
        """Human-readable report: run, outcome, certification, final recorded row."""
        c, cert, rec = self.record.config, self.certification, self.record
        start = ", ".join(f"{k} = {v}" for k, v in c["start"].items())
        rule = f" with {c['optimizer']}" if c.get("optimizer") else ""
        lines = [f"{c['model']['name']}{rule}, eta = {c['eta']}, start {start}, coords {c['coords']}: "
                 f"{rec.step} steps at {'/'.join(map(str, rec.precisions))} digits in "
                 f"{rec.seconds:.2f} s",
                 f"outcome: {self.outcome.message}", f"certification: {cert['label']}"]
        if rec.escalations:
            path = " -> ".join([str(e["dps"]) for e in rec.escalations] +
                               [str(rec.schedule[0][1])])
            back = (f", back to {rec.schedule[-1][1]} digits from step {rec.schedule[-1][0]} "
                    "once the loss stopped") if len(rec.schedule) > 1 else ""
            need = cert["requested_digits"]
            lines.append(f"precision: escalated {path} digits (fewer than {need} digits "
                         f"survived at the lower ones){back}")
        if cert.get("bits_lost_per_step") is not None:
            lines.append(f"bits lost per step: {cert['bits_lost_per_step']:.3g} on average, "
                         f"{cert['max_bits_lost_per_step']:.3g} at most over a record interval")
        if rec.columns:
            lines.append(f"state at step {rec.columns['step'][-1]}:")
            for name, col in rec.columns.items():
                if name != "step" and col[-1] is not None:
                    d = rec.digits.get(name, [None])[-1]
                    tail = f"   [{d} digits]" if d is not None else ""
                    lines.append(f"  {name:10s} = {col[-1]}{tail}")
        return "\n".join(lines)


def run_trajectory(model, eta, start, steps, dps=30, coords="xy", every=None, digits=None,
                   certify="two-precision", tol=1e-10, out=None, resume=False, progress=False,
                   checkpoint_seconds=30.0, max_dps=None, on_check=None, force=False,
                   rule=None):
    """Iterate GD (or the update `rule`, an `Optimizer`) on `model` with step `eta` from
    `start` for `steps` steps at `dps` digits.

    `start`: dict name -> value (decimal strings or Fractions) in the coordinates of `coords`
    (``ab`` also accepts x, y with x > y > 0). Records every `every`-th state (default
    steps/1000); certifies by `certify` (``two-precision``, ``arb`` or ``none``) at least
    `digits` (default dps/2) digits of the state, escalating the precision up to `max_dps`
    (default `DEFAULT_MAX_DPS`); writes the record to `out` (JSON, or NPZ by extension) and
    resumes from it when `resume`. `on_check(t)` is called after every committed block
    (tests use it to simulate an interrupt). Sizes beyond `symbolic.limits.LIMITS` need
    `force`. Under a momentum rule the state carries the previous iterate, started equal to
    `start` (zero velocity). Returns a `Trajectory`; raises `Interrupted` (after saving the
    checkpoint) on KeyboardInterrupt.
    """
    rule = None if rule is None or rule.is_gd else rule
    if rule is not None and coords != "xy":
        raise EosError(f"coords: {rule.spec} runs in the reduced coordinates (coords xy) only, "
                       f"got {coords!r}")
    eta_text, start_text = str(eta).strip(), {k: str(v).strip() for k, v in start.items()}
    eta = parse_number(eta, "eta")
    start = {k: parse_number(v, f"start value of {k}") for k, v in start.items()}
    prior = _load_prior(out) if resume else None
    if prior is not None:  # settings left out default to the record's, not to new defaults
        every = every or prior.config.get("every")
        digits = digits or prior.config.get("digits")
    values, converter = _validate(model, eta, start, steps, dps, coords, every, digits, certify,
                                  tol, force)
    if rule is not None:
        values = list(rule.bind(model).start_state(values))
    digits = digits or max(1, dps // 2)
    every = every or max(1, steps // 1000)
    max_dps = max_dps or max(DEFAULT_MAX_DPS, dps)
    if not isinstance(max_dps, int) or not dps <= max_dps <= MAX_DPS:
        raise EosError(f"max_dps: expected an integer from dps = {dps} to {MAX_DPS}, got "
                       f"{max_dps}")
    config = {"model": model_spec(model), "eta": eta_text, "start": start_text,
              "coords": coords, "steps": steps, "every": every, "dps": dps,
              "digits": digits, "certify": certify, "tol": tol}
    if rule is not None:
        config["optimizer"] = rule.spec
    rec = _check_prior(prior, out, config) if prior is not None else TrajectoryRecord(config, [])
    if rec.status == "complete" and rec.step == steps and rec.result:
        return Trajectory(rec, Outcome(**rec.result["outcome"]), rec.result["certification"])
    rec.config["steps"], rec.status = steps, "running"
    clock = time.perf_counter()
    try:
        while True:
            if not rec.schedule:
                rec.schedule = [[0, dps]]
            runner = _make_runner(certify, model, coords, eta, [rec.schedule[-1][1]], rule)
            rec.precisions = list(runner.precisions)
            u0 = runner.start(values, converter)
            if not rec.states:
                _refuse_degenerate(runner, u0, eta, dps)
            state = runner.load(rec.states) if rec.states else u0
            if not rec.columns:
                _record(runner, rec, state, 0, dps)
                rec.step, rec.states = 0, runner.dump(state)
            status = _drive(runner, rec, state, steps, every, (digits, dps), max_dps, out,
                            checkpoint_seconds, progress, on_check, clock)
            if status[0] != "escalate":
                break
            rec.escalations.append({"step": status[2], "dps": rec.schedule[0][1],
                                    "agreeing_digits": status[3], "new_dps": status[1]})
            rec.downshift_after = max(rec.downshift_after, status[2])
            rec.reset([status[1]])
    except KeyboardInterrupt:
        rec.status = "interrupted"
        if rec.live is not None:
            rec.states = rec.live[0].dump(rec.live[1])
        rec.seconds += time.perf_counter() - clock
        if out:
            rec.save(out)
        raise Interrupted(f"interrupted at step {rec.step} of {steps}" + (
            f"; checkpoint saved to {out}, continue with --resume" if out else "")) from None
    if rec.live is not None:
        rec.states = rec.live[0].dump(rec.live[1])
    if status[0] == "escaped":
        outcome = escape_outcome(status[1], status[2], runner.names, runner.radius)
    elif rec.step == 0:
        outcome = Outcome("not-run", "not run: 0 steps, so no verdict; the start is reported "
                          "as it is (give --steps N)", 0)
    else:
        point = getattr(runner, "point", None) or runner.primary  # an mpfr engine
        outcome = classify(point, runner.primary_values(runner.load(rec.states)), rec.step, tol)
    cert = certification(rec, runner, digits)
    rec.status = "complete"
    rec.seconds += time.perf_counter() - clock
    rec.result = {"outcome": outcome.to_dict(), "certification": cert}
    if out:
        rec.save(out)
    return Trajectory(rec, outcome, cert)


def _refuse_degenerate(runner, u0, eta, dps):
    """Refuse a run that cannot move: one step leaves the start unchanged at working
    precision although the gradient there is not zero (eta * |grad L| below the last digit
    of every coordinate), so every later step would too."""
    engine = getattr(runner, "point", None) or runner.primary
    u = runner.primary_values(u0)
    if tuple(engine.step(u)) != tuple(u):
        return
    g = engine.observe(u)["grad_norm"]
    if g != 0:
        raise EosError(f"eta = {float(eta):.3g}: one GD step leaves the start unchanged at "
                       f"{dps} digits although |grad L| = {float(g):.3g} is not 0 (the step is "
                       "below the working precision, so the run would stand still); raise "
                       "--dps or eta")


def _load_prior(out):
    if not out:
        raise EosError("resume: needs the record file (--out FILE) to resume from")
    return TrajectoryRecord.load(out)


def _check_prior(rec, out, config):
    for key, value in config.items():
        if key not in ("steps", "tol") and rec.config.get(key) != value:
            raise EosError(f"resume: {out} was run with {key} = {rec.config.get(key)!r}, not "
                           f"{value!r}; use the same settings or another --out file")
    if config["steps"] < rec.step:
        raise EosError(f"resume: {out} already has {rec.step} steps; --steps must be at least "
                       "that")
    rec.config["tol"] = config["tol"]
    return rec


def _record(runner, rec, state, t, row_digits):
    values, dig = runner.row(state, t, row_digits)
    rec.append_row(values, dig)
    err = runner.state_error_log2(state)
    if err is not None:
        rec.error_log2.append([t, err if math.isfinite(err) else None, runner.dps])


def _drive(runner, rec, state, steps, every, digits, max_dps, out, every_s, progress,
           on_check, clock):
    """Consume `iterate`; returns ("done",), ("escaped", escape, confirmed) or
    ("escalate", new_dps, step, agreeing_digits). `digits` is (requested, base dps)."""
    digits, base_dps = digits
    from tqdm import tqdm

    from .precision import escalated_dps, still_losing
    good_t, good_state = rec.step, state
    last_save, history = time.perf_counter(), []
    # the first checkpoint comes after a few seconds, then the interval doubles up to
    # `every_s`: a kill loses at most a few seconds of a short run, an hour's run saves
    # every `every_s`
    interval = min(FIRST_CHECKPOINT, every_s)
    with tqdm(total=steps, initial=rec.step, unit="step", disable=not progress,
              file=sys.stderr, dynamic_ncols=True, mininterval=0.5) as bar:
        for t, state, recorded in iterate(runner, state, steps, every, start=rec.step):
            if runner.escaped(state):
                escape, confirmed = runner.locate_escape(good_state, good_t, t - good_t)
                return "escaped", escape, confirmed
            err = runner.state_error_log2(state)
            if err is not None:
                agree = runner.dps if err == -math.inf else (
                    0 if not err < 0 else min(runner.dps, int(-err * _LOG10_2)))
                history.append((t, err))
                losing = still_losing(history, t)
                if agree < digits:
                    new = escalated_dps(rec.schedule[0][1], agree, digits, losing, max_dps)
                    if new is not None and new > rec.schedule[0][1]:
                        return "escalate", new, t, agree
                elif (runner.dps > base_dps and agree >= base_dps and not losing
                      and t > rec.downshift_after):
                    # the transient that needed the extra digits is over: drop back
                    state = runner.downshift(state, base_dps)
                    rec.schedule.append([t, base_dps])
                    rec.precisions = list(runner.precisions)
                    history.clear()
            if recorded:
                _record(runner, rec, state, t, base_dps)
            rec.step, good_t, good_state = t, t, state
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
    return ("done",)

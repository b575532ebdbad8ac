"""`run_trajectory`: iterate a model's exact GD map at D digits, certify, record, decide.

The driver validates inputs (one-line `EosError` naming the valid range), builds a runner
(float64 companions `companions.CompanionRunner`, the mpfr pair
`precision.TwoPrecisionRunner`, `arb.ArbRunner` or the uncertified
`precision.SingleRunner`), lets `schedule.drive` consume `iterate.iterate`, records every
K-th state with its observables and certified digits, checkpoints the
`record.TrajectoryRecord` (atomically, first after `schedule.FIRST_CHECKPOINT` seconds,
then at doubling intervals up to `checkpoint_seconds`, and on interrupt), starts over at a
higher precision when fewer than the requested digits of the state survive (the schedule is
`schedule`'s), and ends with an `outcome.Outcome`.

Bits lost per step: $\\ell = (\\log_2 \\delta_N - \\log_2 \\delta_0) / N$ with $\\delta_t$ the
state's relative error (two-precision difference, or Arb radius over midpoint).
"""
import math
import time
from dataclasses import dataclass
from fractions import Fraction

import mpmath

from ..errors import EosError, Interrupted
from ..symbolic.lazy import LazyModel, is_builtin
from ..symbolic.limits import LIMITS, check_trajectory
from ..symbolic.plain import plain_fraction
from .backends import number, precision_scope
from .kernels import COORDS, chart_start, coordinate_count, kernels_for, start_in_coords
from .outcome import Outcome, classify, escape_outcome
from .precision import certification
from .record import TrajectoryRecord
from .schedule import Plan, drive, in_chart, make_runner, record_row

CERTIFY = ("two-precision", "arb", "none")
MIN_DPS, MAX_DPS = 15, LIMITS.hard_dps
#: Escalation stops here unless `max_dps` says otherwise (the Figure 7b orbit needs ~2200).
DEFAULT_MAX_DPS = 10000


def parse_number(text, what):
    """An exact finite rational from a decimal or fraction string (``"0.01"``, ``"1/100"``),
    read directly when plain, else by the safe parser (`symbolic.parser.parse_number`)."""
    value = text if isinstance(text, Fraction) else plain_fraction(text)
    if value is None:
        from ..symbolic.parser import parse_number as exact_number
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


def model_spec(model, coords="xy"):
    """Name, loss and ties of `model` as text (read from its compiled kernels)."""
    spec = dict(kernels_for(model, coords).spec)
    return {"name": spec["name"], "loss": spec["loss"], "ties": list(spec["ties"])}


def model_from_spec(spec):
    """The model of a record: a built-in one by name (derived only if needed), else the
    user's loss and ties."""
    if is_builtin(spec["name"]):
        return LazyModel(spec["name"])
    from ..symbolic.model import Model
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
        check_trajectory(steps, dps, coordinate_count(model), every, force)
    if certify not in CERTIFY:
        raise EosError(f"certify: expected one of {', '.join(CERTIFY)}, got {certify!r}")
    if coords not in COORDS:
        raise EosError(f"coords: expected one of {', '.join(COORDS)}, got {coords!r}")
    if coords == "ab":
        k = kernels_for(model, "ab")
        if not 0 < eta < Fraction(k.eta_range):  # the EoS minimum exists (C4)
            raise EosError(f"{dict(k.spec)['name']}: eta = {eta} has no eta-EoS minimum; "
                           f"valid range is 0 < eta < {k.eta_range}")
    values, converter = start_in_coords(model, coords, start)
    if coords == "ab" and converter is None:
        with precision_scope("mpmath", 30):
            (cc,) = k.c_check.bind("mpmath", [eta])[0]()
            c_val = cc + number("mpmath", values[0])
        if not (c_val > 0 and values[1] > -1):
            raise EosError(f"start: (a, b) must satisfy c = a + c_check > 0 and d = 1 + b > 0 "
                           f"(the image of x > y > 0, C5), got a = {values[0]}, b = {values[1]} "
                           f"(c_check = {mpmath.nstr(cc, 10)})")
    return values, converter


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
    config = {"model": model_spec(model, coords), "eta": eta_text, "start": start_text,
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
            runner = make_runner(certify, model, coords, eta, rec, rule)
            rec.precisions = list(runner.precisions)
            chart = rec.certifier.get("chart", coords)
            u0 = runner.start(*((values, converter) if chart == coords else
                                chart_start(model, coords, chart, start)))
            if not rec.states:
                _refuse_degenerate(runner, u0, eta, dps)
            state = runner.load(rec.states) if rec.states else u0
            if not rec.columns:
                record_row(runner, rec, state, 0, dps)
                rec.step, rec.states = 0, runner.dump(state)
            plan = Plan(model, coords, eta, values, converter, steps, digits, dps, max_dps, rule)
            status = drive(runner, rec, state, plan, every, out, checkpoint_seconds,
                           progress, on_check, clock)
            if status[0] == "rechart":  # the orbit left the (a, b) chart: iterate in it
                rec.reset([rec.schedule[0][1]])
                rec.certifier = {"mode": "pair", "probed": True, "chart": coords}
                continue
            if status[0] != "escalate":
                break
            rec.escalations.append({"step": status[2], "dps": rec.schedule[0][1],
                                    "agreeing_digits": status[3], "new_dps": status[1]})
            rec.downshift_after = max(rec.downshift_after, status[2])
            rec.reset([status[1]])
            # a transient in (a, b) is iterated in (x, y), 2.4x cheaper at high precision
            # (the chart's cancellations cost nothing there) and converted on hand-over
            rec.certifier = {"mode": "pair", "probed": True,
                             "chart": "xy" if coords == "ab" else coords}
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
        runner = rec.live[0]  # the run may have switched to float64 companions
        rec.states = runner.dump(rec.live[1])
    if status[0] == "escaped":
        outcome = escape_outcome(status[1], status[2], runner.names, runner.radius)
    elif rec.step == 0:
        outcome = Outcome("not-run", "not run: 0 steps, so no verdict; the start is reported "
                          "as it is (give --steps N)", 0)
    else:
        point = getattr(runner, "point", None) or runner.primary  # an mpfr engine
        last = runner.primary_values(runner.load(rec.states))
        if point.coords != coords:  # still in the cheaper chart: report in the run's own
            point, last = in_chart(point, last, coords)
        outcome = classify(point, last, rec.step, tol)
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

"""Step calls inside a loop that make it no loop of training steps: a scheduler's or an
environment's `step`, one step fanned out to the optimizers a loop goes over, the step that
sets up an optimizer the same iteration made, and a call that trains once and leaves the loop
(a retry loop around the training function; work.py asks, loop by loop)."""

from __future__ import annotations

import re
from typing import Callable

from sigcheck.model import ir
from sigcheck.model.roots import root_name

# What a value sigcheck cannot resolve is called says what its `step` is: a learning-rate or
# diffusion noise scheduler's (`noise_scheduler.step(...)` in a sampling loop), or an RL
# environment's (`env.step(action)`), never an optimizer's.
# a scheduler's, an environment's, a profiler's (speechbrain's `prof.step()` in an inference benchmark),
# a progress display's, a timer's or a logger's (`progress.step()` in an image-resizing loop, triage CY)
_NOT_AN_OPTIMIZER = re.compile(r"sched|(?:^|_)v?envs?$|(?:^|_)prof(?:iler)?$|progress|(?:^|_)p?bar$|tqdm|"
                               r"(?:^|_)(?:timer|logger|tracker|meter|counter|clock|stopwatch|fps)s?$", re.IGNORECASE)  # `venv`: a vectorised one


def class_named_as_no_optimizer(qualname: str) -> bool:
    """`elements.FPS.step`: a library's method whose class is named as a meter, a timer, a
    scheduler's or an environment's (dreamerv3's frames-per-second counter, triage DE)."""
    owner = qualname.rsplit(".", 2)
    return len(owner) == 3 and bool(_NOT_AN_OPTIMIZER.search(owner[1]))


def named_as_no_optimizer(func: ir.Sym) -> bool:
    """`x.step(...)` where the receiver's own name is a scheduler's, an environment's, a profiler's,
    a progress display's, a timer's or a logger's."""
    if not isinstance(func, ir.Attr):
        return False
    receiver = func.base
    name = receiver.attr if isinstance(receiver, ir.Attr) else receiver.name if isinstance(receiver, ir.Name) else None
    return name is not None and bool(_NOT_AN_OPTIMIZER.search(name))


# The keywords an environment's or a simulator's step takes; an optimizer's takes a closure.
_ACTION_KEYWORD = re.compile(r"^(?:actions?|episode|agent_actions?)$")


def given_an_action(fn: ir.FunctionInfo, site: ir.CallSite) -> bool:
    """`self.task.step(action=action, episode=episode)` (habitat-lab's Env, its task from a
    registry sigcheck cannot follow): a step handed an action by keyword is a simulator's; so is
    one whose result is unpacked (`actions, values, states, _ = model.step(obs)`: baselines' policy
    acting), which no optimizer's step returns."""
    if any(name is not None and _ACTION_KEYWORD.match(name) for name, _ in site.kwargs):
        return True
    after = fn.events[site.index + 1] if site.index + 1 < len(fn.events) else None
    unpacked = after.value if isinstance(after, ir.Assign) and isinstance(after.value, ir.Item) \
        and isinstance(after.value.key, ir.Const) and type(after.value.key.value) is int else None
    return unpacked is not None and isinstance(unpacked.base, ir.CallOf) and unpacked.base.func == site.func \
        and unpacked.base.args == site.args


def steps_loop_target(loop: ir.Loop, event: ir.Event) -> bool:
    """`for optimizer in optimizers: optimizer.step()`: one step fanned out to several optimizers
    (a hybrid CPU/GPU optimizer, a GAN's pair), not a loop of steps; so is AMP's spelling of it,
    `scaler.step(optimizer)` (speechbrain's Brain.optimizers_step)."""
    func = event.func if isinstance(event, ir.CallSite) else None
    if not (isinstance(func, ir.Attr) and loop.target is not None):
        return False
    targets = loop.target.items if isinstance(loop.target, ir.Seq) else (loop.target,)
    if isinstance(func.base, ir.Name) and func.base in targets:
        return True
    return func.attr == "step" and len(event.args) == 1 and event.args[0] in targets


def steps_one_made_in_it(fn: ir.FunctionInfo, loop: ir.Loop, event: ir.Event) -> bool:
    """`for module in modules: optimizer = Adam(module.parameters()); optimizer.step()`: a step
    of an optimizer the same iteration made, with no gradients yet, sets up its state (Megatron's
    dummy step); a loop that trains steps one optimizer many times."""
    func = event.func if isinstance(event, ir.CallSite) else None
    if not (isinstance(func, ir.Attr) and func.attr == "step" and isinstance(func.base, ir.Name)):
        return False
    body = fn.events[loop.index + 1: event.index]
    if any(isinstance(inner, ir.Loop) and inner.end > event.index for inner in body):
        return False  # stepped in a loop of its own: many steps of the optimizer made once an epoch
    return any(isinstance(made, ir.Assign) and made.target == func.base and isinstance(made.value, ir.CallOf)
               for made in body)


def leaves_loop_after(fn: ir.FunctionInfo, loop: ir.Loop, event: ir.Event) -> bool:
    """`while True: try: return train(batch_size) except OutOfMemoryError: batch_size //= 2`: the
    call runs once, then the loop is left; only a caught failure runs it again (accelerate's
    `find_executable_batch_size`). The loop retries the training, it does not repeat it: the
    training loop is the one inside the call."""
    for after in fn.events[event.index + 1: loop.body_end]:
        if isinstance(after, ir.Read):
            continue  # the call's own arguments, read after it is recorded
        return isinstance(after, ir.Jump) and after.kind in ("return", "break") \
            and _same_block(fn.events[loop.index + 1: event.index], event.index, after.index)
    return False


def _same_block(enclosing, first: int, second: int) -> bool:
    """Whether two events sit in the same part of every structure around the first: a `break` in
    the `except` clause of the `try` whose body makes the call (torchrec's `for _ in range(n): try:
    pipeline.progress(it) except StopIteration: break`) leaves only when the call fails."""
    for outer in enclosing:
        for start, end in _parts(outer):
            if start <= first < end and not start <= second < end:
                return False
    return True


def _parts(event: ir.Event) -> list[tuple[int, int]]:
    """The index ranges of a structure's parts (a loop's body and else, a branch's two sides, a
    try's body and each clause), each part's events only."""
    if isinstance(event, ir.Loop):
        return [(event.index + 1, event.body_end), (event.body_end, event.end)]
    if isinstance(event, ir.Branch):
        return [(event.index + 1, event.then_end), (event.then_end, event.end)]
    if isinstance(event, ir.Try):
        return [(event.index + 1, event.body_end), *((c.start, c.end) for c in event.clauses), event.orelse, event.final]
    if isinstance(event, ir.With):
        return [(event.index + 1, event.end)]
    return []


_FEW_ROUNDS = 5  # a loop written to run no more times than this, over steps of its own: a warm-up or a demo
_PROBE_ROUNDS = 20  # the same on inputs of noise made in its body: a memory or speed check


def runs_a_few_rounds(fn: ir.FunctionInfo, loop: ir.Loop) -> bool:
    """`for kind in ("text", "audio"):` or `for i in range(5):` around steps written in its body,
    with no loop inside: a warm-up before the real loop (NeMo's OOMptimizer) or a quick-start
    demo (Megatron's five iterations), no long work a stop could interrupt. A loop of a few
    epochs around a call that trains, or around a loop over the data, is not one of these."""
    rounds = _rounds(fn, loop)
    return rounds is not None and rounds <= _FEW_ROUNDS


def probes_on_noise(fn: ir.FunctionInfo, loop: ir.Loop, makes_noise) -> bool:
    """`steps = 10; for step in range(steps): x = torch.randn(...); ...; optimizer.step()`: a few
    steps on inputs of noise the body makes (`makes_noise(site)`), with no loop inside: a check of
    memory use or speed (kohya-ss' model modules), whose result nobody keeps."""
    rounds = _rounds(fn, loop, named=True)
    return rounds is not None and rounds <= _PROBE_ROUNDS and any(
        isinstance(e, ir.CallSite) and makes_noise(e) for e in fn.events[loop.index + 1: loop.body_end])


def fits_noise_made_before(fn: ir.FunctionInfo, loop: ir.Loop, before: range, makes_noise) -> bool:
    """`x = torch.randn(64, 1000); ...; for t in range(500): ...; optimizer.step()`: a written-out
    number of steps fitting inputs of noise made `before` the loop, with no data read in its body
    (no `next`, no loop inside): apex's fp16 `loss_scaler.py` checks itself so, and tacotron2 and
    waveglow carry copies. Asked only of a module's check of itself (see WorkFinder._self_check)."""
    body = fn.events[loop.index + 1: loop.body_end]
    return _rounds(fn, loop, named=True) is not None \
        and not any(isinstance(e, ir.CallSite) and isinstance(e.func, ir.Name) and e.func.name == "next" for e in body) \
        and any(isinstance(e, ir.CallSite) and makes_noise(e) for e in fn.events[before.start: before.stop])


def _rounds(fn: ir.FunctionInfo, loop: ir.Loop, named: bool = False) -> int | None:
    """How many times a `for` loop with no loop in its body runs, where it is written out: over a
    tuple, or a `range` of int literals (or, `named`, of names bound once to one)."""
    if loop.kind != "for" or any(isinstance(e, ir.Loop) for e in fn.events[loop.index + 1: loop.body_end]):
        return None
    rounds = loop.iter
    if isinstance(rounds, ir.Seq):
        return len(rounds.items)
    if isinstance(rounds, ir.CallOf) and isinstance(rounds.func, ir.Name) and rounds.func.name == "range" \
            and not rounds.kwargs and 1 <= len(rounds.args) <= 2:
        bounds = [_int(fn, a, named) for a in rounds.args]
        start, stop = (0, bounds[0]) if len(bounds) == 1 else bounds
        return stop - start if start is not None and stop is not None else None
    return None


def _int(fn: ir.FunctionInfo, sym: ir.Sym, named: bool) -> int | None:
    if named and isinstance(sym, ir.Name) and sym.scope == fn.id and len(fn.bindings.get(sym.name, ())) == 1:
        sym = fn.bindings[sym.name][0].value
    return sym.value if isinstance(sym, ir.Const) and type(sym.value) is int else None


FEW = 16  # iterations a loop may make without polling: warm-up steps before capturing a CUDA graph


def few_iterations(fn, loop) -> bool:
    """`for _ in range(11):` around no other loop: a count written out, a handful of iterations
    that end within seconds (the loops inside a called function are judged on their own). Or a
    body that always leaves after its first pass (`for data in loader: first = data; break`)."""
    if _leaves_after_one_pass(fn, loop):
        return True
    iterated = loop.iter
    if not (isinstance(iterated, ir.CallOf) and isinstance(iterated.func, ir.Name) and iterated.func.name == "range"
            and iterated.args and not iterated.kwargs):
        return False
    bounds = [a.value for a in iterated.args if isinstance(a, ir.Const) and type(a.value) is int]
    if len(bounds) != len(iterated.args) or len(bounds) > 2:
        return False
    count = bounds[-1] - (bounds[0] if len(bounds) == 2 else 0)
    return count <= FEW and not any(isinstance(e, ir.Loop) for e in fn.events[loop.index + 1: loop.body_end])


def _leaves_after_one_pass(fn, loop) -> bool:
    """A `break` or `return` in the body outside any branch, loop, with or try, and no `continue`
    before it to go round again: PaddleDetection's `_flops` takes one batch so (triage DD)."""
    body = fn.events[loop.index + 1: loop.body_end]
    nested = [range(e.index + 1, e.end) for e in body if isinstance(e, (ir.Branch, ir.Loop, ir.With, ir.Try))]
    for event in body:
        if isinstance(event, ir.Jump) and event.kind == "continue":
            return False
        if isinstance(event, ir.Jump) and event.kind in ("break", "return") and not any(event.index in r for r in nested):
            return True
    return False


def built_with_a_step(functions: dict, fn: ir.FunctionInfo, site: ir.CallSite, slots: list[str],
                      handed: Callable[[ir.Sym], bool], called: Callable[[ir.Sym], list[str]],
                      attachers: tuple[str, ...] = ()) -> bool:
    """Whether the object a call is made on was built by a call handing it (in one of `slots`,
    "#0" or a keyword) something `handed` accepts: Ignite's `trainer = Engine(train_step)` before
    `trainer.run(loader, max_epochs=100)`, where an Engine built with an evaluation step runs no
    training. It is built in the same function, or returned so by a project function it calls
    (`trainer = create_trainer(...)`, Ignite's reference examples); `called` gives the project
    functions a call runs. A step in a function attached to the object by one of its `attachers`
    methods counts too: Ignite's `@trainer.on(Events.EPOCH_COMPLETED)` handlers run inside its run
    (its actor-critic example updates the model in one)."""
    receiver = site.func.base if isinstance(site.func, ir.Attr) else None
    return isinstance(receiver, ir.Name) and _built_so(functions, fn, receiver, slots, handed, called, 0, attachers)


def _built_so(functions: dict, fn: ir.FunctionInfo, name: ir.Name, slots: list[str], handed, called, depth: int,
              attachers: tuple[str, ...] = ()) -> bool:
    if name.scope != fn.id or depth > 2:
        return False
    if attachers and _attached_a_step(fn, name, attachers, handed):
        return True
    for binding in fn.bindings.get(name.name, ()):
        built = binding.value
        if not isinstance(built, ir.CallOf):
            continue
        keywords = dict(built.kwargs)
        argument = next((built.args[int(slot[1:])] if slot.startswith("#") else keywords[slot] for slot in slots
                         if (slot.startswith("#") and int(slot[1:]) < len(built.args)) or slot in keywords), None)
        if argument is not None and handed(argument):
            return True
        for func_id in called(built.func):  # `create_trainer(...)`, which builds and returns it
            inner = functions[func_id]
            if any(isinstance(r, ir.Name) and _built_so(functions, inner, r, slots, handed, called, depth + 1, attachers)
                   for r in inner.returns):
                return True
    return False


def _attached_a_step(fn: ir.FunctionInfo, name: ir.Name, attachers: tuple[str, ...], handed) -> bool:
    """Whether `fn` attaches to the object `name` holds a function `handed` accepts: the def an
    `@name.on(event)` decorates, or the handler of `name.add_event_handler(event, handler)`."""
    for event in fn.events:
        if not isinstance(event, ir.CallSite):
            continue
        method = event.func.func if event.decorator and isinstance(event.func, ir.CallOf) else event.func
        if not (isinstance(method, ir.Attr) and method.attr in attachers and method.base == name):
            continue
        handler = event.args[0] if event.decorator and event.args else \
            event.args[1] if len(event.args) > 1 else dict(event.kwargs).get("handler")
        if handler is not None and handed(handler):
            return True
    return False


def restores_state_after(fn: ir.FunctionInfo, loop: ir.Loop) -> bool:
    """A loop whose training the function throws away once it ends: `model.load_state_dict(
    initial_state["model"])` after it, from a snapshot of a state_dict taken before it and never
    in it (modded-nanogpt's kernel warm-up, then the run). The best weights an early stop keeps
    (`best = deepcopy(model.state_dict())` in the loop) are no such snapshot."""
    for event in fn.events[loop.end:]:
        if isinstance(event, ir.CallSite) and isinstance(event.func, ir.Attr) and event.func.attr == "load_state_dict" \
                and event.args and (root := root_name(event.args[0])) and _snapshot_before(fn, root.name, loop):
            return True
    return False


def _snapshot_before(fn: ir.FunctionInfo, name: str | None, loop: ir.Loop) -> bool:
    assigned = [e for e in fn.events if isinstance(e, ir.Assign) and isinstance(e.target, ir.Name) and e.target.name == name]
    return bool(assigned) and all(e.index < loop.index and _takes_state(e.value) for e in assigned)


def _takes_state(sym: ir.Sym, depth: int = 0) -> bool:
    """Whether the value holds a `state_dict()` call, wherever it is nested (`dict(model=copy.deepcopy(...))`)."""
    if depth > 8 or not isinstance(sym, (ir.CallOf, ir.DictOf, ir.Seq)):
        return False
    if isinstance(sym, ir.CallOf):
        if isinstance(sym.func, ir.Attr) and sym.func.attr == "state_dict":
            return True
        parts = [*sym.args, *(value for _, value in sym.kwargs)]
    else:
        parts = [value for _, value in sym.entries] if isinstance(sym, ir.DictOf) else list(sym.items)
    return any(_takes_state(part, depth + 1) for part in parts)

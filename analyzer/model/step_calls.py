"""Which calls are a step of training: a knowledge entry's step or fit, less what steps an
environment, a scheduler or a pipeline, and a backward pass only beside a use of its gradients.
A mixin of WorkFinder, which gives `graph`, `knowledge`, `functions`, `_receivers` and the memos."""

from __future__ import annotations

import re
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING

from sigcheck.model import ir
from sigcheck.model.callgraph import MAIN_THREAD
from sigcheck.model.gradients import uses_gradient
from sigcheck.model.graph_steps import runs_an_update
from sigcheck.model.jax_updates import updates_by_hand
from sigcheck.model.steps import built_with_a_step, class_named_as_no_optimizer, given_an_action, named_as_no_optimizer
from sigcheck.model.values import ConstV, ExternalV, FunctionV

if TYPE_CHECKING:
    from sigcheck.knowledge import Knowledge
    from sigcheck.model.callgraph import CallGraph
    from sigcheck.model.receivers import ReceiverOrigins

# A library's names for what steps an optimizer: its optimizers' own, and AMP's scaler, handed one
_OPTIMIZER_LIKE = re.compile(r"optim|scaler", re.IGNORECASE)


class StepCalls:
    graph: "CallGraph"
    knowledge: "Knowledge"
    functions: dict[str, ir.FunctionInfo]
    _receivers: "ReceiverOrigins"
    _applying: dict[str, bool]
    _using: dict[str, bool]
    _gradient_makers: dict[ir.Sym, list]
    _trained_by_body: frozenset[str] | None
    _stepping_directly: set[str]

    def _is_step(self, func_id: str, event: ir.Event) -> bool:
        entries = self._step_entries(func_id, event)
        return bool(entries) and (not self._needs_update(func_id, event, entries) or self._applies_gradients(func_id))

    def _needs_update(self, func_id: str, event: ir.Event, entries: list) -> bool:
        """Whether the call trains only beside a use of gradients: a backward pass; or the `step`
        of a library's object no name says is an optimizer, handed something to step on
        (l2cs' `pipeline.step(frame)`, one frame of gaze inference: efficientvit's demo, triage CT)."""
        if all(e.option("needs-update") for e in entries):
            return True
        site = event if isinstance(event, ir.CallSite) else None
        if site is None or not site.args or not isinstance(site.func, ir.Attr) or site.func.attr != "step" \
                or isinstance(site.args[0], ir.FuncRef):
            return False
        names = self.call_names(func_id, site)
        return bool(names) and all(not n.startswith("?.") and not _OPTIMIZER_LIKE.search(n) for n in names)

    def _step_entries(self, func_id: str, event: ir.Event) -> list:
        """The knowledge entries (steps, fits) that make a call one step of training."""
        if not isinstance(event, ir.CallSite):
            return []
        names = self.call_names(func_id, event)
        if names and self._an_episodes_step(func_id, event, names):
            return []
        if not names:
            return self._gradient_function_called(func_id, event) + self._own_fits(func_id, event)
        return [e for name in names for e in (*self.knowledge.steps.find(name), *self._fits(func_id, event, name))
                if not e.option("fetches") or runs_an_update(self.graph.resolver, event, e.option("fetches"))]

    def _gradient_function_called(self, func_id: str, site: ir.CallSite) -> list:
        """`GRAD_FN(params, x)` with `GRAD_FN = jax.value_and_grad(loss)` bound elsewhere (a module
        constant, an attribute, an argument: trax's trainer) takes gradients, as
        `jax.value_and_grad(loss)(params, x)` does: the gradient makers' entries (needs-update)."""
        if isinstance(site.func, ir.CallOf):
            return []  # `make()(x)`: what the call makes is its own step, if any
        found = self._gradient_makers.get(site.func)
        if found is None:  # asked of every call of a project function: once per way of writing it
            makers = {v.qualname for made in self._made_by(site.func, 0) for v in self.graph.resolver.resolve(made)
                      if isinstance(v, ExternalV)}
            found = self._gradient_makers[site.func] = [
                e for name in sorted(makers) for e in self.knowledge.steps.find(name) if e.option("needs-update")]
        return found

    def _made_by(self, value: ir.Sym, depth: int) -> list[ir.Sym]:
        """What the calls that made a value call: `jax.value_and_grad` for `GRAD_FN`, through the
        names, attributes of `self` and parameters (as each caller passes them) that hold it."""
        if isinstance(value, ir.CallOf):
            return [value.func]
        if depth >= 4:
            return []
        held: list[ir.Sym] = []
        if isinstance(value, ir.Name):
            held = [b.value for b in self.graph.resolver.binding_scope(value.name, value.scope)[1] if b.kind in ("assign", "param")]
        elif isinstance(value, ir.Attr) and isinstance(value.base, ir.Name) and value.base.name == "self" \
                and (fn := self.functions.get(value.base.scope)) is not None and fn.class_id is not None:
            held = list(self.graph.project.classes[fn.class_id].attributes.get(value.attr, ()))
        elif isinstance(value, ir.Param):
            held = list(self.graph.resolver.flow.get((value.func_id, value.index), ()))
        return [made for sym in held for made in self._made_by(sym, depth + 1)]

    def _an_episodes_step(self, func_id: str, site: ir.CallSite, names: list[str]) -> bool:
        """Whether the call steps a scheduler or an environment, by how its receiver is named or
        made: always where what it calls is unknown, and for a `.step` of a library sigcheck has
        no knowledge of (`env = Simulator(); env.step(action)`), unless the name says optimizer."""
        unknown = all(n.startswith("?.") for n in names)
        if not unknown and not all(n.endswith(".step") and "optim" not in n.lower() for n in names):
            return False
        if given_an_action(self.functions[func_id], site) or (not unknown and all(class_named_as_no_optimizer(n) for n in names)):
            return True
        return all(named_as_no_optimizer(called) or self._receivers.made_as_an_env(called)
                   for called in self._spelled_as(func_id, site.func))

    def _fits(self, func_id: str, site: ir.CallSite, name: str) -> list:
        """The fit entries a call's name matches; one that trains only with a step it was handed
        (`trains-with`: Ignite's Engine) where its object was built so; none where the object was
        built with a model whose step does nothing (`idle-model`: OpenMMLab's schedule plots)."""
        entries = self.knowledge.fits.find(name)
        fn = self.functions[func_id]
        if any(e.option("idle-model") and built_with_a_step(self.functions, fn, site, e.option("idle-model")[:1],
                                                              self._idle(e.option("idle-model")[1]), self._project_called)
               for e in entries):
            return []
        return [e for e in entries if not self._switched_off(site, e.option("not-when-false")) and (
            not e.option("trains-with") or built_with_a_step(self.functions, fn, site, e.option("trains-with"),
                                                            self._hands_a_step, self._project_called,
                                                            tuple(e.option("attached-by", ()))))]

    def _switched_off(self, site: ir.CallSite, keyword: str | None) -> bool:
        """`LightningCLI(Model, run=False)`: given the keyword false, the call builds and does not fit."""
        value = dict(site.kwargs).get(keyword) if keyword else None
        values = self.graph.resolver.resolve(value) if value is not None else ()
        return bool(values) and all(isinstance(v, ConstV) and not v.value for v in values)

    def _idle(self, method: str):
        """Whether a model is only ever an instance of a project class whose `method` does nothing."""
        def idle(sym: ir.Sym) -> bool:
            values = self.graph.resolver.resolve(sym)
            steps = [v for value in values for v in self.graph.resolver.attribute(value, method)] if values else []
            return bool(steps) and all(isinstance(v, FunctionV) and v.func_id in self.functions and not any(
                isinstance(e, (ir.CallSite, ir.Loop, ir.Assign, ir.Update)) for e in self.functions[v.func_id].events)
                for v in steps)
        return idle

    def _project_called(self, func: ir.Sym) -> list[str]:
        return [v.func_id for v in self.graph.resolver.resolve(func) if isinstance(v, FunctionV) and v.func_id in self.functions]

    def _hands_a_step(self, sym: ir.Sym) -> bool:
        """A project function that takes a training step, itself or through the functions it
        calls (`def update(engine, batch): return train_step(model, optimizer, batch)`, Ignite's).
        Steps only, not fits: a fit's own test asks this."""
        return any(isinstance(v, FunctionV) and v.func_id in self.functions
                   and any(self._steps_itself(f) for f in self.graph.reach([v.func_id], MAIN_THREAD))
                   for v in self.graph.resolver.resolve(sym))

    def _steps_itself(self, func_id: str) -> bool:
        fn = self.functions.get(func_id)
        return fn is not None and any(
            isinstance(e, ir.CallSite) and (entries := [s for n in self.call_names(func_id, e) for s in self.knowledge.steps.find(n)])
            and (not all(s.option("needs-update") for s in entries) or self._applies_gradients(func_id)) for e in fn.events)

    def _spelled_as(self, func_id: str, func: ir.Sym) -> tuple[ir.Sym, ...]:
        """How the called thing is written: for a parameter called (`func(*args)`), as every
        caller passes it (`self._run_in_executor(env.step, action)`: an environment's step)."""
        fn = self.functions.get(func_id)
        bindings = fn.bindings.get(func.name, ()) if fn is not None and isinstance(func, ir.Name) else ()
        if len(bindings) == 1 and isinstance(bindings[0].value, ir.Param):
            param = bindings[0].value
            return self.graph.resolver.flow.get((param.func_id, param.index), ()) or (func,)
        return (func,)

    def _applies_gradients(self, func_id: str) -> bool:
        """Whether `func_id` or a function it calls uses gradients: an optimizer step, an update
        by hand (`w -= lr * w.grad`, see gradients.py) or a call the knowledge lists as a
        gradient use (clipping, `zero_grad`). A backward pass trains only then: a
        loop that times forward and backward passes computes gradients it drops.
        A caller's own optimizer step makes the caller's loop a training loop anyway."""
        found = self._applying.get(func_id)
        if found is None:
            reached = self.graph.reach([func_id], frozenset({"call"}))
            found = self._applying[func_id] = any(self._uses_gradients(f) for f in reached)
        return found

    def _uses_gradients(self, func_id: str) -> bool:
        found = self._using.get(func_id)
        if found is None:
            events = self.functions[func_id].events if func_id in self.functions else ()
            found = self._using[func_id] = any(
                uses_gradient(event) or self._uses_gradients_in(func_id, event) for event in events) \
                or (func_id in self.functions and updates_by_hand(self.functions[func_id]))
        return found

    def is_fit_call(self, func_id: str, event: ir.Event) -> bool:
        return isinstance(event, ir.CallSite) and (any(self._fits(func_id, event, n) for n in self.call_names(func_id, event))
                                                   or bool(self._own_fits(func_id, event)))

    def _own_fits(self, func_id: str, site: ir.CallSite) -> list:
        """The fit entries that name a project function the call runs, whose body shows no step
        (see _own_fit_entries): none while the bodies are being judged."""
        if self._trained_by_body is None:
            self._stepping_directly  # the bodies are judged first
        return [e for target in self.graph.targets(func_id, site) if target.func_id not in self._trained_by_body
                for fn in [self.functions.get(target.func_id or "")] if fn is not None for e in self._own_fit_entries(fn)]

    def _own_fit_entries(self, fn: ir.FunctionInfo) -> list:
        """The fit entries that name this project function by its package: sigcheck run on trax's
        or transformers' own repository, whose scripts call `Loop.run` or `Trainer.train` as any
        user's would. A pattern that starts with a wildcard (`*.fit`) names no package."""
        if fn.kind != "function" or not self.knowledge.fits.may_name(fn.qualname.rsplit(".", 1)[-1]):
            return []
        dotted = f"{fn.module.removeprefix('src.')}.{fn.qualname}"
        return [e for e in self.knowledge.fits.find(dotted)
                if any(not p.startswith("*") and fnmatchcase(dotted, p) for p in e.patterns)]

    def call_names(self, func_id: str, site: ir.CallSite) -> list[str]:
        """The call's library names, without the unknown ones (`?.fit`) when a known one or a project
        function is there: `clf = clf.fit(X, y)` makes `clf` also stand for an unknown value, but it
        is the classifier whose `fit` is called."""
        names = self.graph.qualnames(func_id, site)
        known = [n for n in names if not n.startswith("?.")]
        if not known:
            known = self._optimizer_bases(func_id, site)
        if known or not names:
            return known
        # nor where a project method is called: `trainer = trainer_cls(args); trainer.fit()` with the
        # class from a registry (CogVideo's) is the project's Trainer.fit, not some library's fit
        return [] if any(t.func_id for t in self.graph.targets(func_id, site)) else names

    def _optimizer_bases(self, func_id: str, site: ir.CallSite) -> list[str]:
        """`opt.step()` on a project subclass of a library's optimizer (jukebox's FusedAdam, a
        torch.optim.Optimizer): named as the library's step, which it is (triage CY)."""
        if not isinstance(site.func, ir.Attr) or site.func.attr != "step":
            return []
        resolver = self.graph.resolver
        classes = {fn.class_id for t in self.graph.targets(func_id, site)
                   if (fn := self.functions.get(t.func_id or "")) is not None and fn.class_id is not None}
        return [f"{base.qualname}.step" for class_id in sorted(classes) for base in resolver.mro(class_id)
                if isinstance(base, ExternalV) and _OPTIMIZER_LIKE.search(base.qualname)]

    def _uses_gradients_in(self, func_id: str, event: ir.Event) -> bool:
        entries = self._step_entries(func_id, event)
        if entries and not self._needs_update(func_id, event, entries):
            return True
        return isinstance(event, ir.CallSite) and any(
            self.knowledge.gradient_uses.find(n) for n in self.call_names(func_id, event))

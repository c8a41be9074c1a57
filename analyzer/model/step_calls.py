"""Which calls are a step of training: a knowledge entry's step or fit, less what steps an
environment, a scheduler or a pipeline, and a backward pass only beside a use of its gradients.
A mixin of WorkFinder, which gives `graph`, `knowledge`, `functions`, `_receivers` and the memos."""

from __future__ import annotations

import re
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
        return [e for name in names for e in (*self.knowledge.steps.find(name), *self._fits(func_id, event, name))
                if not e.option("fetches") or runs_an_update(self.graph.resolver, event, e.option("fetches"))]

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
        return isinstance(event, ir.CallSite) and any(self._fits(func_id, event, n) for n in self.call_names(func_id, event))

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

"""Values in containers: dict displays, stores into items, slices, iteration."""

from __future__ import annotations

import textwrap

import pytest

from sigcheck.model.values import ConstV, FunctionV, SeqV, UnknownV

FUNCTIONS = """
def save():
    pass

def stop():
    pass

def other():
    pass

"""


@pytest.fixture
def probe(analysis):
    """The values bound to `probe` at the end of train.py (save, stop and other defined first)."""

    def run(code: str, files: dict[str, str] | None = None) -> set:
        a = analysis({"train.py": FUNCTIONS + textwrap.dedent(code).lstrip("\n"), **(files or {})})
        body = a.functions["train:<module>"]
        return {v for b in body.bindings["probe"] for v in a.resolver.resolve(b.value)}

    return run


def test_dict_display_items_by_key(probe):
    code = 'handlers = {"term": save, 1: stop, key(): other}\n'
    assert probe(code + 'probe = handlers["term"]') == {FunctionV("train:save"), FunctionV("train:other")}
    assert probe(code + "probe = handlers[1]") == {FunctionV("train:stop"), FunctionV("train:other")}
    assert probe('handlers = {"term": save, "int": stop}\nprobe = handlers["term"]') == {FunctionV("train:save")}


def test_constant_keys_from_another_module(probe):
    values = probe('from names import TERM\nhandlers = {"term": save, "int": stop}\nprobe = handlers[TERM]',
                   {"names.py": 'TERM = "term"\n'})
    assert values == {FunctionV("train:save")}


def test_stores_into_items_are_seen_by_every_lookup(probe):
    assert probe('handlers = {}\nhandlers["term"] = save\nprobe = handlers["term"]') == {FunctionV("train:save")}
    assert probe('handlers = {}\nhandlers.update({"term": save}, int=stop)\nprobe = handlers["int"]') == {
        FunctionV("train:stop")}
    assert probe('handlers = {}\nhandlers.setdefault("term", save)\nprobe = handlers["term"]') == {
        FunctionV("train:save")}
    nested = 'table = {"a": {}}\ntable["a"]["b"] = save\ntable["a"]["c"] = stop\nprobe = table["a"]["b"]'
    assert probe(nested) == {FunctionV("train:save")}


def test_a_store_in_a_function_reaches_the_module_variable(probe):
    values = probe("""
        handlers = {}

        def install(name="term"):
            handlers[name] = save

        install()
        probe = handlers["term"]
    """)
    assert values == {FunctionV("train:save")}


def test_a_registry_filled_in_one_module_is_read_through_its_import_in_another(probe):
    """trlx: `@register_trainer` stores each trainer class in `_TRAINERS` in one module, and
    `get_trainer` reads it where `from ... import _TRAINERS` brought it, through a re-export too."""
    files = {
        "registry.py": "TRAINERS = {}\n\ndef register(cls):\n    TRAINERS[cls.__name__] = cls\n    return cls\n",
        "ppo.py": "from registry import register\n\n@register\nclass PPO:\n    pass\n",
        "reexport.py": "from registry import TRAINERS\n",
        "loading.py": "import ppo\nfrom reexport import TRAINERS\n\ndef get_trainer(name):\n    return TRAINERS[name]\n",
        "other.py": "TRAINERS = {}\n",
    }
    from sigcheck.model.values import ClassV
    assert probe('from loading import get_trainer\nprobe = get_trainer("PPO")', files) == {ClassV("ppo:PPO")}
    assert probe('from other import TRAINERS\nprobe = TRAINERS["PPO"]', files) == {UnknownV()}


def test_a_local_variable_of_the_same_name_is_another_container(probe):
    values = probe("""
        handlers = {}

        def install():
            handlers = {}
            handlers["term"] = stop

        probe = handlers["term"]
    """)
    assert FunctionV("train:stop") not in values


def test_appended_items_are_iterated(probe):
    values = probe("""
        callbacks = [save]
        callbacks.append(stop)
        callbacks.extend([other])
        for probe in callbacks:
            pass
    """)
    assert values == {FunctionV("train:save"), FunctionV("train:stop"), FunctionV("train:other")}


def test_slices_of_sequences(probe):
    code = "steps = [save, stop, other]\n"
    assert probe(code + "probe = steps[1:3][0]") == {FunctionV("train:stop")}
    assert probe(code + "probe = steps[:1]") == {SeqV((FunctionV("train:save"),))}
    everything = SeqV((FunctionV("train:save"), FunctionV("train:stop"), FunctionV("train:other")))
    assert probe(code + "probe = steps[start:]") == {everything}  # an unknown bound keeps every item


def test_iterating_a_generator_gives_what_it_yields(probe):
    values = probe("""
        def steps():
            yield save
            yield from [stop]

        for probe in steps():
            pass
    """)
    assert values == {FunctionV("train:save"), FunctionV("train:stop")}


def test_iterating_an_instance_runs_iter_and_next(analysis):
    a = analysis({"train.py": FUNCTIONS + textwrap.dedent("""
        class Steps:
            def __iter__(self):
                return Cursor()

        class Cursor:
            def __next__(self):
                return save

        def run(steps):
            for step in steps:
                step()

        run(Steps())
    """)})
    calls = {callee for _, callee, kind in a.graph.graph.out_edges("train:run", keys=True) if kind == "call"}
    assert calls == {"train:Steps.__iter__", "train:Cursor.__next__", "train:save"}


def test_dict_keys_are_compared_as_python_compares_them(probe):
    assert probe('table = {1: save, "1": stop}\nprobe = table[1]') == {FunctionV("train:save")}
    assert probe('table = {1: save}\nprobe = table[2]') == {UnknownV()}
    assert probe('table = {1: save}\nprobe = table[True]') == {FunctionV("train:save")}  # as True == 1 in a dict


def test_stores_into_an_attribute_of_self_are_seen_across_the_class_hierarchy(analysis):
    a = analysis({"train.py": FUNCTIONS + textwrap.dedent("""
        class Registry:
            def __init__(self):
                self.table = {}
                self.hooks = []

            def register(self, name, fn):
                self.table[name] = fn

            def on_term(self, signum, frame):
                self.table["term"]()
                for hook in self.hooks:
                    hook()

        class Job(Registry):
            def setup(self):
                self.hooks.append(stop)

        class Other:
            def __init__(self):
                self.hooks = []
                self.hooks.append(other)

        Job().register("term", save)
    """)}, every_function=True)
    calls = {callee for _, callee, kind in a.graph.graph.out_edges("train:Registry.on_term", keys=True) if kind == "call"}
    assert calls == {"train:save", "train:stop"}  # not Other's hooks


def test_get_looks_up_an_item_or_gives_the_default(probe):
    assert probe('handlers = {"term": save}\nprobe = handlers.get("term")') == {FunctionV("train:save"), ConstV(None)}
    missing = probe('handlers = {}\nhandlers["term"] = save\nprobe = handlers.get("int", stop)')
    assert FunctionV("train:stop") in missing and FunctionV("train:save") not in missing
    # A project class's own `get` is a method like any other, not a lookup.
    values = probe("""
class Table:
    def get(self, name):
        return other

probe = Table().get("term")
""")
    assert values == {FunctionV("train:other")}


REGISTRY = """
class Registry:
    mapping = {"runners": {}}

    @classmethod
    def register_runner(cls, name):
        def wrap(runner_cls):
            cls.mapping["runners"][name] = runner_cls
            return runner_cls
        return wrap

    @classmethod
    def get_runner_class(cls, name):
        return cls.mapping["runners"].get(name, None)


registry = Registry()
"""


def test_a_class_decorator_fills_a_registry_that_is_read_by_name(analysis):
    # LAVIS, fairseq and many trainers pick their runner class from a registry by a configured
    # name; the decorator's closure stores into the class attribute through `cls`.
    a = analysis({"registry.py": REGISTRY, "train.py": textwrap.dedent("""
        from registry import registry

        @registry.register_runner("runner_base")
        class RunnerBase:
            def train(self):
                pass

        class NotRegistered:
            def train(self):
                pass

        def main(name):
            runner = registry.get_runner_class(name)()
            runner.train()
    """)}, every_function=True)
    calls = {callee for _, callee, kind in a.graph.graph.out_edges("train:main", keys=True) if kind == "call"}
    assert "train:RunnerBase.train" in calls
    assert "train:NotRegistered.train" not in calls


def test_a_registry_of_defaultdicts_is_read_through_get(analysis):
    # habitat-lab's Registry keeps `mapping = collections.defaultdict(dict)`: each kind's table is
    # the dict the factory makes, and `mapping[kind].get(name)` is that dict's lookup (triage CK).
    registry = REGISTRY.replace('mapping = {"runners": {}}', "mapping = collections.defaultdict(dict)")
    a = analysis({"registry.py": "import collections\n" + registry, "train.py": textwrap.dedent("""
        from registry import registry

        @registry.register_runner("ppo")
        class PPORunner:
            def train(self):
                pass

        def main(name):
            registry.get_runner_class(name)().train()
    """)}, every_function=True)
    calls = {callee for _, callee, kind in a.graph.graph.out_edges("train:main", keys=True) if kind == "call"}
    assert "train:PPORunner.train" in calls


def test_an_unknown_key_into_a_big_registry_is_unknown(probe):
    # fairseq registers hundreds of models; which one a configured name picks is not known, and
    # following every one of them would claim that any model's code runs.
    registered = "".join(f"\nclass Model{n}:\n    pass\nMODELS['m{n}'] = Model{n}\n" for n in range(9))
    code = "MODELS = {}\n" + registered
    assert probe(code + "probe = MODELS[name()]") == {UnknownV()}
    assert {v.class_id for v in probe(code + "probe = MODELS['m3']")} == {"train:Model3"}
    few = "MODELS = {}\n" + "".join(f"\nclass Model{n}:\n    pass\nMODELS['m{n}'] = Model{n}\n" for n in range(2))
    assert {v.class_id for v in probe(few + "probe = MODELS[name()]")} == {"train:Model0", "train:Model1"}


def test_an_unknown_key_into_a_table_of_tables_keeps_the_tables_for_the_next_lookup(probe):
    # ultralytics: `task_map[task]["trainer"]`, the task not known, one trainer per task; the
    # tables themselves are not the registry's many choices, what the next lookup picks is.
    tasks = "".join(f"\nclass Trainer{n}:\n    pass\n" for n in range(3))
    tasks += "".join(f"\nclass Model{n}:\n    pass\n" for n in range(9))
    table = "TASKS = {" + ", ".join(f"'t{n}': {{'trainer': Trainer{n % 3}, 'model': Model{n}}}" for n in range(9)) + "}\n"
    trainers = probe(tasks + table + "probe = TASKS[task()]['trainer']")  # nine tables, three trainers
    assert {v.class_id for v in trainers} == {f"train:Trainer{n}" for n in range(3)}
    assert probe(tasks + table + "probe = TASKS[task()][part()]") == {UnknownV()}  # twelve classes by two unknowns


def test_a_list_grown_by_concatenation_holds_the_items_added(probe):
    for grow in ("steps += [save]", "steps = steps + [save]", "steps = [save] + steps"):
        code = f"steps = [stop]\n{grow}\nfor step in steps:\n    probe = step\n"
        assert {FunctionV("train:save"), FunctionV("train:stop")} <= probe(code), grow
    # another list's items, or a number added, are not this list's
    assert FunctionV("train:save") not in probe("steps = [stop]\nothers = steps + [save]\nfor s in steps:\n    probe = s\n")
    assert probe("total = 0\ntotal += 1\nprobe = total[0]") == {UnknownV()}


def test_builtins_that_keep_their_arguments_items(probe):
    code = "steps = [stop]\nsteps.append(save)\n"
    for loop in ("for i, step in enumerate(steps):", "for step in sorted(steps):", "for step in list(reversed(steps)):",
                 "for step, n in zip(steps, range(2)):", "for n, step in zip([1, 2], steps):"):
        assert probe(code + loop + "\n    probe = step\n") == {FunctionV("train:save"), FunctionV("train:stop")}, loop
    assert probe(code + "for i, step in enumerate(steps):\n    probe = i\n") == {UnknownV()}
    assert probe("probe = list()") == {SeqV(())}
    # iter(f, sentinel) calls f until it returns the sentinel: no items of an argument
    assert probe("for x in iter(other, None):\n    probe = x\n") == {UnknownV()}


def test_an_item_at_an_index_not_known_is_any_item(probe):
    """open-instruct's drivers: `models[i]` over a list written out, and `group.models[i]` over
    the list a group's __init__ filled with `self.models.append(...)`."""
    assert probe("handlers = [save, stop]\nprobe = handlers[index()]") == {FunctionV("train:save"), FunctionV("train:stop")}
    assert probe("handlers = [save, stop]\nprobe = handlers[1]") == {FunctionV("train:stop")}
    group = """
        class Group:
            def __init__(self):
                self.members = []
                self.members.append(save)

        group = Group()
        probe = group.members[index()]
    """
    assert probe(group) == {FunctionV("train:save")}


def test_a_list_returned_after_appends_holds_what_was_appended(probe):
    """mmengine's strategies build `items = [model]`, append the optimizer wrapper and return the
    list, which the caller unpacks: the appended item is the second."""
    code = """
    def prepare():
        items = [save]
        if ready():
            items.append(stop)
        return items

    first, probe = prepare()
    """
    assert probe(code) == {FunctionV("train:stop")}
    assert probe(code.replace("first, probe = prepare()", "probe = prepare()[0]")) == {FunctionV("train:save")}


def test_a_tuple_item_of_several_values_unpacks_to_each(probe):
    """`return trainer, None` where `trainer` is one of two classes' instances: the caller's
    `trainer, _ = setup()` stood for the first only (axolotl's plugin trainer, which sigcheck
    cannot know, hid the Trainer and its `train()`)."""
    code = """
def pick(flag):
    if flag:
        return save
    return stop

def setup(flag):
    return pick(flag), None, other

probe, _, last = setup(True)
"""
    assert probe(code) == {FunctionV("train:save"), FunctionV("train:stop")}
    assert probe(code.replace("probe, _, last", "first, _, probe")) == {FunctionV("train:other")}

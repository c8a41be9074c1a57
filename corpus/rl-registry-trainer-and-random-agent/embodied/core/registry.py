"""Name -> class tables, filled by decorators at import time."""

import collections


class Registry:
    mapping = collections.defaultdict(dict)

    @classmethod
    def _register(cls, kind, name):
        def wrap(to_register):
            cls.mapping[kind][name or to_register.__name__] = to_register
            return to_register
        return wrap

    @classmethod
    def register_task(cls, to_register=None, *, name=None):
        return cls._register("task", name)

    @classmethod
    def register_trainer(cls, to_register=None, *, name=None):
        return cls._register("trainer", name)

    @classmethod
    def _get_impl(cls, kind, name):
        return cls.mapping[kind].get(name, None)

    @classmethod
    def get_task(cls, name):
        return cls._get_impl("task", name)

    @classmethod
    def get_trainer(cls, name):
        return cls._get_impl("trainer", name)


registry = Registry()

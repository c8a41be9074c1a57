"""Classes registered under a name, looked up by the name a configuration gives."""


class Registry:
    mapping = {
        "runner_name_mapping": {},
        "task_name_mapping": {},
    }

    @classmethod
    def register_runner(cls, name):
        def wrap(runner_cls):
            if name in cls.mapping["runner_name_mapping"]:
                raise KeyError(f"runner {name!r} is already registered")
            cls.mapping["runner_name_mapping"][name] = runner_cls
            return runner_cls

        return wrap

    @classmethod
    def register_task(cls, name):
        def wrap(task_cls):
            cls.mapping["task_name_mapping"][name] = task_cls
            return task_cls

        return wrap

    @classmethod
    def get_runner_class(cls, name):
        return cls.mapping["runner_name_mapping"].get(name, None)

    @classmethod
    def get_task_class(cls, name):
        return cls.mapping["task_name_mapping"].get(name, None)


registry = Registry()

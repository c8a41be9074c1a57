"""Functions handed to a Kubeflow TrainJob (`CustomTrainer(func=train)`, the earlier operator's
`create_job(train_func=train)`): each is the script the job runs, shown where the notebook or
module holds its lines, under Kubernetes' grace period."""

from __future__ import annotations

import json

from sigcheck.loading.kubeflow import module_functions, notebook_functions
from sigcheck.loading.notebooks import code_cells

from tests.loading.test_notebooks import notebook

TRAIN_FUNCTION = ["def train_func(\n", "    lr: float = 0.1,\n", "):\n", "    import torch\n", "\n",
                  "    model = torch.nn.Linear(1, 1)\n", "    optimizer = torch.optim.SGD(model.parameters(), lr=lr)\n",
                  "    # the loop\n", "    for step in range(10**6):\n", "        model(torch.ones(1)).sum().backward()\n",
                  "        optimizer.step()\n", "    torch.save(model.state_dict(), '/mnt/out/model.pt')\n", "\n",
                  "print('defined')\n"]
SUBMIT_CELL = ["from kubeflow.trainer import CustomTrainer, TrainerClient\n", "\n", "client = TrainerClient()\n",
               "job = client.train(\n", "    trainer=CustomTrainer(\n", "        num_nodes=2,\n",
               "        func=train_func,\n", "    )\n", ")"]


def handed(*cells):
    text = notebook(*cells)
    return text, notebook_functions(text, code_cells(text))


def test_the_function_stands_at_its_lines_and_its_call_at_the_handing_line():
    text, (function,) = handed(TRAIN_FUNCTION, ["print('between')\n"], SUBMIT_CELL)
    lines = text.splitlines()
    script = function.text.splitlines()
    assert function.name == "train_func" and function.call == "CustomTrainer"
    assert "CustomTrainer(" in lines[function.line - 1] and script[function.line - 1] == "train_func()"
    held = [(number, line) for number, line in enumerate(script, start=1) if line and number != function.line]
    assert [line for _, line in held] == [line.rstrip("\n") for line in TRAIN_FUNCTION[:-2] if line.strip()]
    assert all(json.dumps(line)[1:-1] in lines[number - 1] for number, line in held)
    assert "print('defined')" not in function.text and "between" not in function.text


def test_the_ways_a_function_is_handed_over():
    first = ["job = TrainerClient().train(trainer=CustomTrainer(train_func, num_nodes=2))\n"]
    assert [f.name for f in handed(TRAIN_FUNCTION, first)[1]] == ["train_func"]
    v1 = ["TrainingClient().create_job(name='mnist', train_func=train_func, num_workers=3)\n"]
    assert [f.call for f in handed(TRAIN_FUNCTION, v1)[1]] == ["create_job"]
    twice = SUBMIT_CELL + ["\nclient.train(trainer=CustomTrainer(func=train_func))\n"]
    assert len(handed(TRAIN_FUNCTION, twice)[1]) == 1
    decorated = ["@torch.no_grad()\n"] + TRAIN_FUNCTION
    (function,) = handed(decorated, SUBMIT_CELL)[1]
    assert "@torch.no_grad()" in function.text


def test_what_is_not_followed():
    # a name not defined at the top of a cell, a lambda, an attribute, a name bound otherwise
    for handing in ("CustomTrainer(func=other)", "CustomTrainer(func=lambda: None)",
                    "CustomTrainer(func=module.train)", "CustomTrainer()"):
        assert handed(TRAIN_FUNCTION, [f"TrainerClient().train(trainer={handing})\n"])[1] == [], handing
    # a function handed before it is defined
    assert handed(SUBMIT_CELL, TRAIN_FUNCTION)[1] == []
    # a cell magic's cell is no Python the kernel runs
    assert handed(["%%bash\n"] + TRAIN_FUNCTION, SUBMIT_CELL)[1] == []


def test_a_client_with_a_local_backend_runs_the_function_here():
    local = ["from kubeflow.trainer import LocalProcessBackendConfig\n",
             "client = TrainerClient(backend_config=LocalProcessBackendConfig())\n",
             "client.train(trainer=CustomTrainer(func=train_func))\n"]
    assert handed(TRAIN_FUNCTION, local)[1] == []
    container = [line.replace("LocalProcess", "Container") for line in local]
    assert handed(TRAIN_FUNCTION, container)[1] == []
    # tried locally, then sent to the cluster with a default client (Kubeflow's examples)
    assert len(handed(TRAIN_FUNCTION, local, SUBMIT_CELL)[1]) == 1


def test_a_module_hands_its_own_function():
    text = "".join(TRAIN_FUNCTION) + "\n" + "".join(SUBMIT_CELL) + "\n"
    (function,) = module_functions(text)
    assert function.text.splitlines()[:3] == [line.rstrip("\n") for line in TRAIN_FUNCTION[:3]]
    assert function.line == text.splitlines().index("    trainer=CustomTrainer(") + 1


def test_the_function_a_notebook_hands_over_is_checked_under_kubernetes_grace_period(run_sigcheck):
    text = notebook(TRAIN_FUNCTION, SUBMIT_CELL)
    report = run_sigcheck({"train.ipynb": text}, ["train.ipynb"])
    (finding,) = report.diagnostics
    lines = text.splitlines()
    assert finding.code == "SIG001" and finding.path == "train.ipynb" and report.errors == []
    assert "for step in range(10**6)" in lines[finding.line - 1]
    assert "under a Kubeflow TrainJob (train.ipynb:" in finding.message and "SIGKILL 30 s later" in finding.message
    assert finding.trace[0].note.startswith("calls train_func") and "CustomTrainer(" in lines[finding.trace[0].line - 1]


def test_a_function_that_saves_on_sigterm_is_silent(run_sigcheck):
    handles = TRAIN_FUNCTION[:4] + ["    import signal, sys\n", "\n",
                                    "    def on_term(signum, frame):\n",
                                    "        torch.save(model.state_dict(), '/mnt/out/model.pt')\n",
                                    "        sys.exit(0)\n", "\n",
                                    "    signal.signal(signal.SIGTERM, on_term)\n"] + TRAIN_FUNCTION[5:]
    report = run_sigcheck({"train.ipynb": notebook(handles, SUBMIT_CELL)}, ["."])
    assert report.diagnostics == [] and report.errors == []


def test_a_function_with_parameters_the_job_fills_runs(run_sigcheck):
    """kubeflow/trainer's T5 notebook: `def deepspeed_train_t5(num_samples, model_name, bucket)`,
    handed with `func_args=args` (triage CR); the SDK calls it with them, so its loop runs."""
    required = ["def train_func(num_samples: str, model_name: str):\n"] + TRAIN_FUNCTION[3:]
    submit = SUBMIT_CELL[:6] + ["        func_args={'num_samples': '100', 'model_name': 't5-small'},\n"] + SUBMIT_CELL[6:]
    report = run_sigcheck({"train.ipynb": notebook(required, submit)}, ["train.ipynb"])
    assert [d.code for d in report.diagnostics] == ["SIG001"] and report.errors == []
    # handed with no func_args, such a function cannot be called: the job fails before it trains
    report = run_sigcheck({"train.ipynb": notebook(required, SUBMIT_CELL)}, ["train.ipynb"])
    assert report.diagnostics == []

"""A SIGTERM handler registered only on the side of an `if` that trains nothing, the training on
the other side: the runs that train never register it (horovod's examples, `if args.num_proc:
horovod.run(main, ...) else: main(args)`; triage AV). SIG001 reports the training, and the rules
that judge the handler leave it alone: the runs that make it have nothing to save or stop."""

from __future__ import annotations

import pytest

TRAIN = """
def main():
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    for step in range(100000):
        loss = model(torch.randn(8, 4)).sum()
        opt.zero_grad()
        loss.backward()
        opt.step()
"""
HANDLER = """
def install_handler():
    def on_term(signum, frame):
        torch.save(model.state_dict(), "ckpt.pt")
        sys.exit(0)
    signal.signal(signal.SIGTERM, on_term)
"""
FLAG = """
def run_launcher():
    event = threading.Event()

    def set_event(signum, frame):
        event.set()

    signal.signal(signal.SIGTERM, set_event)
"""
HEAD = "import signal, sys, threading\nimport torch\n\nmodel = torch.nn.Linear(4, 1)\n"


def codes(report):
    return sorted(d.code for d in report.diagnostics)


@pytest.mark.parametrize("handler, call", [(HANDLER, "install_handler()"), (FLAG, "run_launcher()")],
                         ids=["a handler that saves", "a launcher's handler that sets an event"])
def test_the_training_side_of_the_if_has_no_handler(run_sigcheck, handler, call):
    source = HEAD + handler + TRAIN + f"""
if __name__ == "__main__":
    if len(sys.argv) > 1:
        {call}
    else:
        main()
"""
    report = run_sigcheck({"train.py": source})
    assert codes(report) == ["SIG001"]
    (finding,) = report.diagnostics
    name = call.removesuffix("()")
    assert f"({name} registers one only on the side of an `if` that does not train)" in finding.message


@pytest.mark.parametrize("body", [
    "if len(sys.argv) > 1:\n        install_handler()\n        main()\n    else:\n        main()",
    "install_handler()\n    if len(sys.argv) > 1:\n        print('dry run')\n    else:\n        main()",
    "if len(sys.argv) > 1:\n        install_handler()\n    main()",
], ids=["both sides train: a conditional registration (SIG007)", "registered before the if",
        "the training after the if"])
def test_a_handler_the_training_can_follow_is_not_apart(run_sigcheck, body):
    source = HEAD + HANDLER + TRAIN + f"\nif __name__ == \"__main__\":\n    {body}\n"
    report = run_sigcheck({"train.py": source})
    assert "SIG001" not in codes(report)


def test_the_entry_reaches_the_training_through_the_else_of_an_elif(run_sigcheck):
    source = HEAD + HANDLER + TRAIN + """
if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "serve":
        install_handler()
    elif mode == "export":
        print("export")
    else:
        main()
"""
    report = run_sigcheck({"train.py": source})
    assert codes(report) == ["SIG001"]

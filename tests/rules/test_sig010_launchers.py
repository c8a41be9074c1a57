"""SIG010 and launchers that start processes only for more than one GPU: detectron2's
`launch(main, num_gpus, ...)` calls main in this process when told one GPU on one machine, and
otherwise runs it in one child per GPU, which the parent's SIGTERM never reaches."""

from __future__ import annotations

import pytest

DETECTRON2_MAIN = """
    import signal
    from detectron2.engine import default_argument_parser, launch

    STOP = False

    def on_term(signum, frame):
        global STOP
        STOP = True

    def main(args):
        signal.signal(signal.SIGTERM, on_term)
        for step in range(1000):
            if STOP:
                torch.save(model.state_dict(), args.output)
                break
            model(data).backward()
            opt.step()

    if __name__ == "__main__":
        args = default_argument_parser().parse_args()
        {launch}
"""


def _script(launch: str) -> dict[str, str]:
    return {"train_net.py": DETECTRON2_MAIN.replace("{launch}", launch)}


@pytest.mark.parametrize("launch", [
    "launch(main, args.num_gpus, num_machines=args.num_machines, dist_url=args.dist_url, args=(args,))",
    "launch(main, 8, args=(args,))",
    "launch(main, 1, num_machines=args.num_machines, args=(args,))",  # one GPU on each of several machines
    "launch(main_func=main, num_gpus_per_machine=args.num_gpus, args=(args,))",
])
def test_a_handler_in_main_is_lost_when_launch_may_start_a_process_per_gpu(run_sigcheck, launch):
    report = run_sigcheck(_script(launch), ["train_net.py"])
    assert [(d.code, d.source_line.strip()[:7]) for d in report.diagnostics] == [("SIG010", "launch(")], report.diagnostics
    assert "when launch is given more than one GPU or machine" in report.diagnostics[0].message


@pytest.mark.parametrize("launch", [
    "launch(main, 1, args=(args,))",
    "launch(main, 1, num_machines=1, machine_rank=0, args=(args,))",
    "launch(main_func=main, num_gpus_per_machine=1, args=(args,))",
])
def test_launch_told_one_gpu_on_one_machine_runs_main_here_where_its_handler_hears_the_stop(run_sigcheck, launch):
    assert run_sigcheck(_script(launch), ["train_net.py"]).diagnostics == []


def test_launch_imported_from_its_module_is_the_same_launcher(run_sigcheck):
    files = {"train_net.py": DETECTRON2_MAIN.replace("from detectron2.engine import default_argument_parser, launch",
                                                     "from detectron2.engine import default_argument_parser\n"
                                                     "    from detectron2.engine.launch import launch")
             .replace("{launch}", "launch(main, args.num_gpus, args=(args,))")}
    assert [d.code for d in run_sigcheck(files, ["train_net.py"]).diagnostics] == ["SIG010"]

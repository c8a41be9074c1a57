"""OPT001's message quotes the path as written and the lookup that replaces it."""

from __future__ import annotations


def test_a_path_below_a_variables_folder_is_quoted_whole_with_the_join_that_replaces_it(run_sigcheck):
    report = run_sigcheck({"train.py": 'import pandas as pd\n\ndata_dir = "/opt/ml/input/data"\n'
                                       'df = pd.read_csv(data_dir + "/train/x.csv")\n'}, ["train.py"], select=("OPT001",))
    [finding] = report.diagnostics
    assert finding.message.startswith("Hard-coded '/opt/ml/input/data': read SM_INPUT_DIR")
    assert "os.path.join(os.environ.get('SM_INPUT_DIR', '/opt/ml/input'), 'data')" in finding.message


def test_a_variables_own_folder_is_quoted_as_it_is(run_sigcheck):
    report = run_sigcheck({"train.py": 'import torch\n\ntorch.save(model, "/opt/ml/model")\n'}, ["train.py"],
                          select=("OPT001",))
    [finding] = report.diagnostics
    assert finding.message == ("Hard-coded '/opt/ml/model': read SM_MODEL_DIR, which the SageMaker training toolkit "
                               "sets, with the path as fallback: os.environ.get('SM_MODEL_DIR', '/opt/ml/model')")


def test_the_path_itself_is_quoted_as_written(run_sigcheck):
    report = run_sigcheck({"train.py": 'import os\nprint(os.listdir("/opt/ml/model/"))\n'}, select=("OPT001",))
    (finding,) = report.diagnostics
    assert finding.message.startswith("Hard-coded '/opt/ml/model/': read SM_MODEL_DIR")


def test_a_place_below_output_that_is_not_uploaded_is_pointed_at_output_data(run_sigcheck):
    """aws-samples' GRPO script writes /opt/ml/output/qwen/...: SM_OUTPUT_DIR would keep it where
    OPT002 says it is lost, so OPT001 points it at output/data, which is uploaded (no fix: the
    file would go elsewhere)."""
    report = run_sigcheck({"train.py": 'import json\njson.dump({}, open("/opt/ml/output/qwen/stats.json", "w"))\n'},
                          select=("OPT001",))
    (finding,) = report.diagnostics
    assert finding.message.startswith("Hard-coded '/opt/ml/output/qwen/stats.json': SageMaker uploads only data/ of "
                                      "'/opt/ml/output'")
    assert "os.environ.get('SM_OUTPUT_DATA_DIR', '/opt/ml/output/data'), 'qwen/stats.json')" in finding.message
    assert finding.fix is None
    kept = run_sigcheck({"train.py": 'open("/opt/ml/output/data/stats.json", "w")\n'}, select=("OPT001",))
    assert "SM_OUTPUT_DATA_DIR" in kept.diagnostics[0].message and kept.diagnostics[0].fix is not None


def test_a_literal_whose_write_opt002_reports_is_reported_once(run_sigcheck):
    """Writing /opt/ml/output/metrics.json is one problem: the file is lost. OPT002 reports the
    write, starting from the literal; OPT001 would name the same literal and is left out. A literal
    no known write takes (a library's log folder) keeps OPT001's pointer to output/data."""
    code = ('import json\nMETRICS = "/opt/ml/output/metrics.json"\n'
            'json.dump({}, open(METRICS, "w"))\n'
            'json.dump({}, open("/opt/ml/output/report.json", "w"))\n'
            'import somelib\nsomelib.log_to("/opt/ml/output/runs")\n')
    report = run_sigcheck({"train.py": code}, select=("OPT001", "OPT002"))
    found = sorted((d.code, d.line) for d in report.diagnostics)
    assert found == [("OPT001", 6), ("OPT002", 3), ("OPT002", 4)]


def test_a_path_built_from_a_default_every_caller_overrides_is_not_reported(run_sigcheck):
    """gluonts' `TrainPaths(base: Path = Path("/opt/ml"))`, whose callers all pass the base read
    from a click option (triage BZ): the default never runs, nor do the paths built from it."""
    code = ("import sys\nfrom pathlib import Path\n\n\nclass TrainPaths:\n"
            "    def __init__(self, base: Path = Path('/opt/ml')):\n        self.model = base / 'model'\n"
            "        self.input = base / 'input'\n\n\npaths = TrainPaths(Path(sys.argv[1]))\n")
    assert run_sigcheck({"train.py": code}, select=("OPT001",)).diagnostics == []
    called_bare = code + "defaults = TrainPaths()\n"
    assert {d.line for d in run_sigcheck({"train.py": called_bare}, select=("OPT001",)).diagnostics} == {7, 8}

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

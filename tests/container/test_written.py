"""Scripts a RUN writes with printf, echo or a heredoc: their text, and the chain that reads them."""

from __future__ import annotations

import pytest

from sigcheck.container.chain import REPLACED, STOPS
from sigcheck.container.shell import ShellCommand
from sigcheck.container.written import written_text

from project_files import dockerfile_container as chain_of


def _written(*words):
    return written_text(ShellCommand(words, (1, 1, 1, 1), " ".join(w or "" for w in words)))


@pytest.mark.parametrize("words, text", [
    (("printf", "#!/bin/sh\\nexec python train.py\\n"), "#!/bin/sh\nexec python train.py\n"),
    (("printf", "%s\\n", "#!/bin/sh", "exec python train.py"), "#!/bin/sh\nexec python train.py\n"),
    (("printf", "100%% \\tdone\\101"), "100% \tdoneA"),
    (("printf", "--", "a\\n"), "a\n"),
    (("echo", "exec", "python", "train.py"), "exec python train.py\n"),
    (("echo", "-n", "x"), "x"),
    (("echo", "-e", "#!/bin/sh\\nexec python train.py"), "#!/bin/sh\nexec python train.py\n"),
])
def test_the_text_printf_and_echo_write(words, text):
    assert _written(*words) == text


@pytest.mark.parametrize("words", [
    ("printf", "%d\\n", "3"),  # a directive sigcheck does not format
    ("printf", "-v", "name", "x"),  # into a variable
    ("echo", "a\\nb"),  # dash's echo reads the escape, bash's does not: the image's /bin/sh decides
    ("echo", None),  # an expansion sigcheck cannot know
    ("echo", "-e", "stop\\c here"),
])
def test_text_that_depends_on_what_is_not_known_is_not_guessed(words):
    assert _written(*words) is None


def test_a_wrapper_written_with_printf_is_read_and_placed_on_its_run(tmp_path):
    container = chain_of(tmp_path, {"Dockerfile": """
        FROM python:3.11
        COPY train.py /opt/program/train.py
        RUN (printf '#!/bin/bash\\npython /opt/program/train.py "$@"\\n' >> /entry.sh) && chmod a+x /entry.sh
        ENTRYPOINT ["/entry.sh"]
        """, "train.py": "print('train')\n"})
    assert container.chain.python is not None and container.chain.python.display.endswith("train.py")
    script = next(s for s in container.chain.steps if s.kind == "script")
    assert script.passes == STOPS and script.point.span[0] == 3  # the RUN's line: the file has none of its own


def test_lines_appended_with_echo_follow_the_first_and_a_heredoc_keeps_its_lines(tmp_path):
    appended = chain_of(tmp_path, {"Dockerfile": """
        FROM python:3.11
        COPY train.py /opt/program/train.py
        RUN echo '#!/bin/sh' > /entry.sh
        RUN echo 'exec python /opt/program/train.py "$@"' >> /entry.sh && chmod +x /entry.sh
        ENTRYPOINT ["/entry.sh"]
        """, "train.py": "print('train')\n"})
    assert [s.passes for s in appended.chain.steps if s.kind == "script"] == [REPLACED]
    heredoc = chain_of(tmp_path, {"Dockerfile": """
        # syntax=docker/dockerfile:1
        FROM python:3.11
        COPY train.py /opt/program/train.py
        RUN cat <<EOF > /entry.sh && chmod +x /entry.sh
        #!/bin/sh
        echo starting
        python /opt/program/train.py "$@"
        EOF
        ENTRYPOINT ["/entry.sh"]
        """, "train.py": "print('train')\n"})
    script = next(s for s in heredoc.chain.steps if s.kind == "script")
    assert script.passes == STOPS and script.point.span[0] == 7  # the heredoc's own line


def test_text_appended_to_a_copied_file_is_not_taken_for_the_whole(tmp_path):
    container = chain_of(tmp_path, {"Dockerfile": """
        FROM python:3.11
        COPY entry.sh /entry.sh
        RUN echo 'python /opt/program/train.py' >> /entry.sh
        ENTRYPOINT ["/entry.sh"]
        """, "entry.sh": "#!/bin/sh\nexec python /opt/program/other.py\n"})
    assert container.chain.python is None or not container.chain.python.display.endswith("train.py")

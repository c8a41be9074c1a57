"""What a command substitution in a script says of folders: the folder the script lies in
(`$(dirname "$0")` and its variants), the one it runs in (`$(pwd)`), or the one above that
(`$(dirname "$PWD")`). The shell reader (shell.py) puts those folders where the words name them."""

from __future__ import annotations

import re

# `$(dirname "$0")`, `$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)`, `` `dirname $0` ``,
# `$(dirname "$(readlink -f "$0")")`: the folder the script lies in, whatever the caller's folder
_OWN_PATH = {"$0", "${0}", "$BASH_SOURCE", "${BASH_SOURCE}", "${BASH_SOURCE[0]}"}
_FOLDER_WORDS = {"cd", "dirname", "pwd", "realpath", "readlink", "-f", "-e", "-m", "-P", "--", "&&", ";", "$"}
_PWD = re.compile(r"(?:\$\(|`)\s*pwd(?:\s+-[LP])?\s*(?:\)|`)")
_PWD_PARENT = re.compile(r"""(?:\$\(|`)\s*dirname\s+("?)(?:\$PWD|\$\{PWD\}|\$\(pwd\))\1\s*(?:\)|`)""")
_QUIET = re.compile(r"\d*>&\d|&?\d*>\s*/dev/null")  # `>/dev/null 2>&1`: said nothing of the folder
_FOLDER_TOKEN = re.compile(r"\$\{BASH_SOURCE(?:\[0\])?\}|\$BASH_SOURCE|\$\{0\}|\$0|&&|[^\s\"'$()`;&]+|;|\$")


def names_own_folder(substitution: str) -> bool:
    """Whether a command substitution only works out the folder of the script it is written in."""
    tokens = _FOLDER_TOKEN.findall(_QUIET.sub(" ", substitution))
    return ("dirname" in tokens and not _OWN_PATH.isdisjoint(tokens)
            and all(token in _FOLDER_WORDS or token in _OWN_PATH for token in tokens))


def names_working_folder(substitution: str) -> bool:
    """`$(pwd)`: the folder the script runs in."""
    return _PWD.fullmatch(substitution) is not None


def names_working_folders_parent(substitution: str) -> bool:
    """`$(dirname "$PWD")`: the folder above the one the script runs in."""
    return _PWD_PARENT.fullmatch(substitution) is not None

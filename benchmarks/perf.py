"""sigcheck's speed on a large real package, against its floors and its peers, in one run.

The corpus is the `transformers` source distribution (src/transformers, ~2,900 modules, 1.2M
lines), downloaded from the package index at run time and never committed. A `sigcheck.toml`
beside it makes every module an entry point (`entry-points = ["**/*.py"]`), so the call graph
spans the package. Measured in the same run, on the same files (those sigcheck's `--format json`
lists as analysed):

  sigcheck cold; warm and one module changed when the CLI has a cache (`--no-cache` in its help);
  the floors: `ast.parse` and `libcst.parse_module` over those files, each in one process;
  the peers, from a throw-away virtual environment: Fixit (`fixit lint`), pylint (`--jobs 2`),
  ruff (every rule, `--no-cache`);
  peak RSS of each, then the ratios that issue 8 sets targets for.

Only ratios between tools measured in the same run mean much: these machines are noisy.

    python benchmarks/perf.py                      # everything, on the whole package
    python benchmarks/perf.py --skip fixit,pylint  # the slow peers take ~20 minutes on 2 CPUs
    python benchmarks/perf.py --limit 300          # the first 300 modules (sorted): a quick run
    python benchmarks/perf.py --repeat 3           # medians of 3 runs
    python benchmarks/perf.py --work DIR           # keep the download and the venv in DIR, reuse them
    python benchmarks/perf.py --scaling            # 1, 2 and 4 copies of corpus/: the growth exponent

Run it with the Python that has sigcheck installed (`python -m sigcheck` is what it runs); its
modules are byte-compiled first, as an installed wheel's are.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
import venv
from pathlib import Path

import measure
from measure import Measured, machine, python, ratio, row, run_once, run_repeated, say, slope

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "transformers"
VERSION = "5.24.0"  # the release the README's figures are for; --version "" takes the newest
PEERS = {"fixit": "fixit", "pylint": "pylint", "ruff": "ruff"}  # tool -> package in the peers' venv
SKIPPABLE = ("fixit", "pylint", "ruff", "floors")
CONFIG = 'entry-points = ["**/*.py"]\n'
CHANGE_LINE = "\n_SIGCHECK_BENCHMARK_EDIT = 1\n"

# Each floor runs in a fresh interpreter, like sigcheck, over the list of files in argv[1]: the
# imports count, as they do for sigcheck. A file the parser refuses is counted, not fatal.
FLOOR = """
import sys, time
kind = sys.argv[2]
if kind == "ast":
    import ast
    parse = ast.parse
else:
    import libcst
    parse = libcst.parse_module
failed = 0
for name in open(sys.argv[1], encoding="utf-8").read().splitlines():
    with open(name, "rb") as handle:
        data = handle.read()
    try:
        parse(data)
    except Exception:
        failed += 1
print(failed)
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--limit", type=int, help="only the first N modules of the package, sorted by path")
    parser.add_argument("--repeat", type=int, default=1, help="median of K runs of each measurement")
    parser.add_argument("--skip", default="", help=f"comma-separated, of: {', '.join(SKIPPABLE)}")
    parser.add_argument("--work", type=Path, help="folder for the download and the peers' venv (kept)")
    parser.add_argument("--version", default=VERSION, help=f"{PACKAGE} release to download ('' for the newest)")
    parser.add_argument("--change", help="module (relative to the package) to edit for the one-changed run")
    parser.add_argument("--memory-limit", type=float, default=measure.MEMORY_LIMIT_GIB,
                        help="GiB of address space each command may use (0: no limit); more fails it")
    parser.add_argument("--scaling", action="store_true", help="instead: sigcheck on 1, 2 and 4 copies of corpus/")
    args = parser.parse_args()
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    if skip - set(SKIPPABLE):
        parser.error(f"--skip takes {', '.join(SKIPPABLE)}")

    measure.MEMORY_LIMIT_GIB = args.memory_limit
    work = args.work or Path(tempfile.mkdtemp(prefix="sigcheck-perf-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        say(f"machine: {machine()}")
        byte_compile_sigcheck()
        if args.scaling:
            scaling(work, args.repeat)
        else:
            benchmark(work, args, skip)
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


def byte_compile_sigcheck() -> None:
    """Compile sigcheck's modules first, as pip does when it installs a wheel: from a development
    install with PYTHONDONTWRITEBYTECODE set, every run would compile all of them again (~0.2 s),
    which no installed sigcheck does."""
    code = ("import compileall, os, sigcheck, sigcheck.rules\n"
            "for package in (sigcheck, sigcheck.rules):\n"
            "    compileall.compile_dir(os.path.dirname(package.__file__), quiet=1)")
    subprocess.run([python(), "-c", code], capture_output=True, check=False)


# -- the corpus ------------------------------------------------------------------------------------


def corpus(work: Path, version: str, limit: int | None) -> Path:
    """A folder holding sigcheck.toml and src/transformers (whole, or its first `limit` modules)."""
    spec = f"{PACKAGE}=={version}" if version else PACKAGE
    downloads = work / "download"
    archives = sorted(downloads.glob(f"{PACKAGE}-{version or ''}*.tar.gz"))
    if not archives:
        say(f"downloading the {spec} source distribution…")
        subprocess.run([python(), "-m", "pip", "download", "--quiet", "--no-binary", ":all:", "--no-deps", spec,
                        "-d", str(downloads)], check=True)
        archives = sorted(downloads.glob(f"{PACKAGE}-*.tar.gz"))
    archive = archives[-1]
    tree = work / archive.name.removesuffix(".tar.gz")
    if not tree.is_dir():
        with tarfile.open(archive) as tar:
            # The "data" filter refuses absolute paths, links out of the folder and device files.
            tar.extractall(work, **({"filter": "data"} if hasattr(tarfile, "data_filter") else {}))
    (tree / "sigcheck.toml").write_text(CONFIG)
    if limit is None:
        return tree
    subset = work / f"{tree.name}-first-{limit}"
    if not subset.is_dir():
        package = tree / "src" / PACKAGE
        for path in sorted(package.rglob("*.py"), key=lambda p: p.relative_to(package).as_posix())[:limit]:
            target = subset / path.relative_to(tree)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
    (subset / "sigcheck.toml").write_text(CONFIG)
    return subset


# -- sigcheck, its floors, its peers ---------------------------------------------------------------


def sigcheck_options() -> str:
    done = subprocess.run([python(), "-m", "sigcheck", "check", "--help"], capture_output=True, text=True)
    return done.stdout


def benchmark(work: Path, args, skip: set[str]) -> None:
    tree = corpus(work, args.version, args.limit)
    target = f"src/{PACKAGE}"
    modules = len(list((tree / target).rglob("*.py")))
    say(f"corpus: {tree.name}/{target}, {modules:,} modules" + (f" (the first {args.limit})" if args.limit else ""))
    options = sigcheck_options()
    cached = "--no-cache" in options
    command = [python(), "-m", "sigcheck", "check", target, "--format", "json", "--exit-zero"]
    if "--cache-dir" in options:
        command += ["--cache-dir", str(work / "sigcheck-cache")]
    output = work / "sigcheck.json"
    results: dict[str, Measured | None] = {}
    notes: dict[str, str] = {}

    say("sigcheck cold…")
    results["sigcheck cold"] = run_repeated(command + (["--no-cache"] if cached else []), tree, args.repeat, output)
    files = analysed_files(output, results["sigcheck cold"])
    if files is None:  # sigcheck failed: the floors and peers still run, on every module, without ratios to it
        results["sigcheck cold"].failed = True
        files = sorted(p.relative_to(tree).as_posix() for p in (tree / target).rglob("*.py"))
        out_of_memory = "MemoryError" in results["sigcheck cold"].stderr
        notes["sigcheck cold"] = ("FAILED: over the --memory-limit" if out_of_memory else "FAILED (see above)") + \
            "; the others ran on every module"
    else:
        notes["sigcheck cold"] = f"{len(files):,} files analysed{'' if cached else ' (no cache: plain run)'}"
    lines = sum((tree / f).read_bytes().count(b"\n") for f in files)
    listing = work / "files.txt"
    listing.write_text("\n".join(str(tree / f) for f in files) + "\n", encoding="utf-8")

    if cached:
        say("sigcheck warm and one module changed…")
        run_once(command, tree)  # fills the cache
        results["sigcheck warm"] = run_repeated(command, tree, args.repeat)
        changed = tree / target / args.change if args.change else tree / files[len(files) // 2]
        original = changed.read_bytes()
        edits = iter(range(1, 1 << 30))
        try:  # a different edit before each repeat, so every repeat has one changed module to redo
            results["sigcheck one changed"] = run_repeated(
                command, tree, args.repeat,
                before=lambda: changed.write_bytes(original + CHANGE_LINE.replace("1", str(next(edits))).encode()))
        finally:
            changed.write_bytes(original)
        notes["sigcheck one changed"] = f"edited {changed.relative_to(tree)}"
    else:
        results["sigcheck warm"] = results["sigcheck one changed"] = None
        notes["sigcheck warm"] = notes["sigcheck one changed"] = "not measured: no cache yet"

    if "floors" not in skip:
        for kind, name in (("ast", "floor: ast.parse"), ("libcst", "floor: libcst.parse_module")):
            say(f"{name}…")
            floor_out = work / f"floor-{kind}.txt"
            results[name] = run_repeated([python(), "-c", FLOOR, str(listing), kind], tree, args.repeat, floor_out)
            failed = floor_out.read_text().strip() or "?"
            notes[name] = "one process" + (f"; {failed} files refused" if failed != "0" else "")

    peers = [tool for tool in PEERS if tool not in skip]
    if peers:
        bin_dir, versions = peer_venv(work, peers)
        for tool in peers:
            say(f"{tool} ({versions[tool]})…")
            results[tool] = run_repeated(peer_command(tool, bin_dir, files), tree, args.repeat, work / f"{tool}.out")
            notes[tool] = {"fixit": f"fixit lint, {versions[tool]}", "pylint": f"--jobs 2, {versions[tool]}",
                           "ruff": f"--select ALL --no-cache --isolated, {versions[tool]}"}[tool]
    report(results, notes, len(files), lines, args)


def analysed_files(output: Path, measured: Measured) -> list[str] | None:
    try:
        files = json.loads(output.read_text(encoding="utf-8"))["files"]
    except (OSError, ValueError, KeyError, TypeError):
        say(f"sigcheck failed (exit {measured.status}); the end of its stderr:\n{measured.stderr}")
        return None
    return sorted(f for f in files if f.endswith(".py"))


def peer_venv(work: Path, tools: list[str]) -> tuple[Path, dict[str, str]]:
    """A virtual environment of its own for the peers, so their dependencies never meet sigcheck's."""
    home = work / "peers-venv"
    bin_dir = home / "bin"
    if not (bin_dir / "python").exists():
        say("creating the peers' virtual environment…")
        venv.create(home, with_pip=True)
    missing = [PEERS[t] for t in tools if not (bin_dir / t).exists()]
    if missing:
        subprocess.run([str(bin_dir / "python"), "-m", "pip", "install", "--quiet", *missing], check=True)
    versions = {}
    for tool in tools:
        done = subprocess.run([str(bin_dir / "python"), "-m", "pip", "show", PEERS[tool]],
                              capture_output=True, text=True)
        found = [line.split(":", 1)[1].strip() for line in done.stdout.splitlines() if line.startswith("Version:")]
        versions[tool] = f"{tool} {found[0] if found else '?'}"
    return bin_dir, versions


def peer_command(tool: str, bin_dir: Path, files: list[str]) -> list[str]:
    if tool == "fixit":
        return [str(bin_dir / "fixit"), "lint", *files]
    if tool == "pylint":
        return [str(bin_dir / "pylint"), "--jobs", "2", "--exit-zero", *files]
    # --isolated: transformers' own [tool.ruff] would narrow "every rule" back down.
    return [str(bin_dir / "ruff"), "check", "--isolated", "--select", "ALL", "--no-cache", "--exit-zero", *files]


def report(results: dict[str, Measured | None], notes: dict[str, str], files: int, lines: int, args) -> None:
    say()
    say(f"{files:,} files, {lines:,} lines; median of {args.repeat} run(s); peak RSS of the largest process")
    say(f"  {'':<34} {'time':>10} {'peak RSS':>10}")
    for name, measured in results.items():
        say(row(name, measured, notes.get(name, "")))
    cold, floor = results.get("sigcheck cold"), results.get("floor: libcst.parse_module")
    if cold is not None and cold.failed:
        say(f"\nsigcheck did not finish: no ratios (it had used {cold.seconds:.0f}s and {cold.rss} when it stopped)")
        cold = None
    say()
    say("ratios (issue 8's targets in brackets):")
    say(f"  sigcheck cold / libcst floor   {ratio(cold, floor):>8}  [≤ 1.5×]")
    say(f"  Fixit / sigcheck cold          {ratio(results.get('fixit'), cold):>8}  [≥ 10×]")
    say(f"  pylint --jobs 2 / sigcheck     {ratio(results.get('pylint'), cold):>8}  [> 1×]")
    say(f"  ruff / sigcheck cold           {ratio(results.get('ruff'), cold):>8}")
    say(f"  sigcheck warm / cold           {ratio(results.get('sigcheck warm'), cold):>8}  [≤ 0.05×]")
    say(f"  sigcheck one changed / cold    {ratio(results.get('sigcheck one changed'), cold):>8}  [≤ 0.2×]")
    if cold is not None:
        say(f"  sigcheck peak RSS              {cold.rss:>8}  [≤ 2,048 MiB on the whole package]")


# -- scaling ---------------------------------------------------------------------------------------


def scaling(work: Path, repeat: int, copies=(1, 2, 4)) -> None:
    """sigcheck over 1, 2 and 4 copies of corpus/ (each copy a folder of its own projects), and the
    slope of log(time) against log(copies): 1 is linear, 2 quadratic. The start-up time (sigcheck
    on a one-line file) is fixed cost that flatters the slope; the slope without it is printed too."""
    source = ROOT / "corpus"
    options = sigcheck_options()
    extra = ["--no-cache"] if "--no-cache" in options else []
    small = work / "startup"
    small.mkdir(exist_ok=True)
    (small / "pyproject.toml").touch()
    (small / "train.py").write_text("print('train')\n")
    startup = run_repeated([python(), "-m", "sigcheck", "check", "train.py", "--exit-zero", *extra], small, repeat)
    say(f"start-up (one-line file): {startup.seconds:.2f}s")
    times = []
    for k in copies:
        folder = work / f"corpus-x{k}"
        if not folder.is_dir():
            for i in range(k):
                shutil.copytree(source, folder / f"copy{i}", ignore=shutil.ignore_patterns("__pycache__", ".*"))
            (folder / "pyproject.toml").touch()  # the project root: module names start here
        output = work / f"scaling-{k}.json"
        measured = run_repeated([python(), "-m", "sigcheck", "check", ".", "--format", "json", "--exit-zero", *extra],
                                folder, repeat, output)
        files = analysed_files(output, measured)
        say(row(f"{k} cop{'y' if k == 1 else 'ies'} of corpus/", measured, f"{len(files or []):,} files analysed"))
        times.append(measured.seconds)
    say(f"growth exponent (log-log slope): {slope(copies, times):.2f}  [≤ 1.1]")
    net = [max(t - startup.seconds, 1e-3) for t in times]
    say(f"growth exponent without start-up: {slope(copies, net):.2f}")


if __name__ == "__main__":
    sys.exit(main())

from __future__ import annotations


from sigcheck.checking.rule import Example, Rule
from sigcheck.model import ir
from sigcheck.model.pathvalues import value_text
from sigcheck.model.trace import Point


_QUERY_ONLY = {"-c", "--showconfig", "-n", "--dry-run", "-D", "--show-depends", "-R", "--resolve-alias",
               "--show-modversions", "--dump-modversions"}  # modprobe options that load nothing


class HardcodedDriverInvocation(Rule):
    """Code that loads or runs NVIDIA driver components by path or version.

    ## What it does
    Reports `ctypes.CDLL`/`cdll.LoadLibrary` of a versioned `libcuda.so.<version>` or of a file in
    a driver folder (`/usr/lib/nvidia-*`, `/usr/local/nvidia`), `modprobe`/`insmod` of NVIDIA
    modules (not `modprobe -c` and other queries, which load nothing), `nvidia-modprobe`, running
    an `NVIDIA-Linux-*.run` installer, and `LD_LIBRARY_PATH` set to a versioned driver folder. Loading `libcuda.so.1` or `libcuda.so` by name, `nvidia-smi`
    queries and CUDA toolkit libraries are fine.

    ## Why is this bad?
    GPU containers carry the CUDA toolkit only; the driver is the host's, mounted in at run time.
    Code that names a driver version works on the machine it was written on and fails on the
    next host with another driver. Kernel modules cannot be loaded from inside a container.

    ## Example
    ```python
    libcuda = ctypes.CDLL("/usr/lib/x86_64-linux-gnu/libcuda.so.535.104.05")
    ```

    ## Use instead
    ```python
    libcuda = ctypes.CDLL("libcuda.so.1")  # whatever driver the host provides
    ```
    """

    code = "DRV002"
    name = "hardcoded-driver-invocation"
    severity = "error"

    valid = (
        Example("""
import ctypes, os, subprocess

libcuda = ctypes.CDLL("libcuda.so.1")
cudart = ctypes.CDLL("libcudart.so.12")
print(subprocess.check_output(["nvidia-smi", "--query-gpu=driver_version", "--format=csv"]))
os.environ["LD_LIBRARY_PATH"] = "/usr/local/nvidia/lib64:/usr/local/cuda/lib64"
""", "the soname, the toolkit, a query and the standard mount folder"),
        Example("""
import subprocess

options = subprocess.check_output(["modprobe", "-c", "nvidia"], text=True)
can_profile = any("NVreg_RestrictProfilingToAdminUsers=0" in line for line in options.splitlines())
""", "modprobe -c only shows the driver's configuration (llm.c's profiler checks a setting)"),
    )
    invalid = (
        Example("""
import ctypes, os, subprocess

# expect: DRV002
libcuda = ctypes.CDLL("libcuda.so.535.104.05")
# expect: DRV002
subprocess.run(["modprobe", "nvidia-uvm"], check=True)
# expect: DRV002
os.environ["LD_LIBRARY_PATH"] = "/usr/lib/nvidia-535:" + os.environ.get("LD_LIBRARY_PATH", "")
""", "a versioned library, a kernel module and a versioned folder"),
    )

    def check(self, analysis):
        if "driver" not in analysis.project.literal_marks():
            return  # no literal names a driver library, folder or command: nothing to find
        knowledge, resolver = analysis.knowledge, analysis.resolver
        for fn in analysis.functions.values():  # most calls are let go unresolved (may_call_library)
            for event in fn.events:
                problem = None
                if isinstance(event, ir.CallSite) and \
                        resolver.may_call_library(event.func, knowledge.driver_loaders, knowledge.children):
                    names = analysis.graph.qualnames(fn.id, event)
                    if any(knowledge.driver_loaders.find(n) for n in names) and event.args:
                        problem = self._library(analysis, fn.id, event)
                    elif any(knowledge.children.find(n) for n in names) and event.args:
                        problem = self._command(analysis, fn.id, event)
                elif isinstance(event, ir.Assign) and self._is_library_path(analysis, event.target):
                    problem = self._folder(analysis, fn.id, event)
                if problem:
                    anchor = Point(fn.id, event.node, "pins the driver")
                    yield self.finding(anchor, problem, [anchor])

    @staticmethod
    def _texts(analysis, func_id, sym, at):
        return [t for t in (p.literal for p in analysis.paths.value(func_id, sym, at)) if t]

    def _library(self, analysis, func_id, site):
        for text in self._texts(analysis, func_id, site.args[0], site.index):
            if analysis.knowledge.driver_libraries.find(text):
                return f"Loads the driver library {text!r} by version or path: the host's driver is mounted in and differs between hosts; load 'libcuda.so.1'"
        return None

    def _command(self, analysis, func_id, site):
        words = []
        for sym in (site.args[0].items if isinstance(site.args[0], ir.Seq) else (site.args[0],)):
            for text in self._texts(analysis, func_id, sym, site.index):
                words.extend(text.split())
        for word in words:
            if analysis.knowledge.driver_commands.find(word.rsplit("/", 1)[-1]) or analysis.knowledge.driver_commands.find(word):
                if word.rsplit("/", 1)[-1] in ("modprobe", "insmod") and not any("nvidia" in w for w in words if w != word):
                    continue
                if word.rsplit("/", 1)[-1] == "modprobe" and _QUERY_ONLY.intersection(words):
                    continue  # `modprobe -c nvidia` shows the configuration: nothing is loaded
                return f"Runs {' '.join(words)!r}: the NVIDIA driver and its kernel modules belong to the host, not the container"
        return None

    def _folder(self, analysis, func_id, event):
        for possible in analysis.paths.value(func_id, event.value, event.index):
            entries = [e for e in value_text(possible).split(":") if e]
            pinned = [e for e in entries if analysis.knowledge.driver_dirs.find(e)]
            if pinned:
                return f"Puts the versioned driver folder {pinned[0]!r} on LD_LIBRARY_PATH: the host's driver version differs"
        return None

    @staticmethod
    def _is_library_path(analysis, target) -> bool:
        return (isinstance(target, ir.Item) and isinstance(target.key, ir.Const) and target.key.value == "LD_LIBRARY_PATH"
                and analysis.paths.qualname(target.base) == "os.environ")

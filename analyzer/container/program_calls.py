"""The steps of programs an image installs that run the project's Python code: the program pip
writes for a console script, and the SageMaker training toolkit's `train`, which runs
SAGEMAKER_PROGRAM as a child or calls SAGEMAKER_TRAINING_MODULE in its own process (a mixin of
ChainBuilder, chain.py).
"""

from __future__ import annotations

from sigcheck.container.argv import PythonCall, quote
from sigcheck.container.starters import REPLACED, STOPS
from sigcheck.container.steps import PythonTarget, Step
from sigcheck.container.toolkit import TrainingModule, toolkit_source, training_module
from sigcheck.loading.console_scripts import program_path
from sigcheck.loading.sources import display_path
from sigcheck.model.trace import Point


class ProgramCalls:
    def _console_script(self, script, words, point: Point) -> None:
        """The program pip writes for a console script of the installed project: it imports the
        module and calls the function, the trainer (shown at the line that declares it)."""
        display = display_path(script.declared_in)
        label = f"{script.name} ({script.module}:{script.attribute})"
        at = Point.in_document(display, (script.line, 1, script.line, 1), f"the console script {label}")
        index = self._add(Step("python", quote([script.name, *words[1:]]), at, REPLACED))
        path = program_path(script)
        self.chain.python = PythonTarget(path, f"`{script.name}` ({script.module}:{script.attribute})",
                                         PythonCall(script=str(path), args=tuple(words[1:])), index, program=script.wrapper(),
                                         declared_in=display)

    def _toolkit(self, words, point: Point) -> bool:
        """`train` from the SageMaker training toolkit: it runs SAGEMAKER_PROGRAM as a child."""
        source = toolkit_source(self.image, self.knowledge, self.read)
        if source is None:
            return False
        entry = self.knowledge.containers["python-launcher"].entries[0]
        layer = Point.in_document(self.display, source.span, f"{source.keyword} adds the SageMaker training toolkit")
        module = training_module(self.image)
        if module is not None:  # the project's own module, called in the toolkit's process
            reason = self.knowledge.containers["toolkit-env"].entries[0].option("in-process")
            self._add(Step("toolkit", "train (the SageMaker training toolkit)", layer, REPLACED, note=reason))
            self._module_call(module)
            return True
        self._add(Step("toolkit", "train (the SageMaker training toolkit)", layer, STOPS, note=entry.reason))
        program = self.image.env.get("SAGEMAKER_PROGRAM")
        if not program:
            self.chain.problem = "the training toolkit runs SAGEMAKER_PROGRAM, which the image does not set"
            self.chain.awaits_program = True
            return True
        # A framework's toolkit (SAGEMAKER_TRAINING_MODULE, set by AWS's framework images) runs it with
        # capture_error=True: through /bin/sh; the plain toolkit with Popen and its argv (trainer.py)
        self.chain.toolkit_shell = source.keyword == "FROM" or bool(self.image.env.get("SAGEMAKER_TRAINING_MODULE"))
        label = f"/bin/sh -c 'python {program} …'" if self.chain.toolkit_shell else f"python {program} …"
        for cwd in ("/opt/ml/code", self.image.workdir):
            if self.image.lookup(self.image.absolute(program, cwd)) is not None:
                self._python(PythonCall(script=program), label, point, cwd)
                return True
        self.chain.problem = f"SAGEMAKER_PROGRAM {program} is not a file of the build context"
        return True

    def _module_call(self, module: TrainingModule) -> None:
        """The toolkit imports the module and calls the function: read as a program that does so."""
        at = Point.in_document(self.display, (module.line, 1, module.line, 1), f"SAGEMAKER_TRAINING_MODULE {module.named}")
        index = self._add(Step("python", f"{module.named}() (SAGEMAKER_TRAINING_MODULE)", at, REPLACED))
        self.chain.python = PythonTarget(module.path, f"SAGEMAKER_TRAINING_MODULE ({module.named})", PythonCall(script=str(module.path)),
                                         index, program=module.program(), declared_in=self.display)

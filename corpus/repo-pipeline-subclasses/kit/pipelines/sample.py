from vllm import EngineArgs, LLMEngine, SamplingParams

from kit.pipelines.base import Pipeline


class Sample(Pipeline):
    def run(self):
        engine = LLMEngine.from_engine_args(EngineArgs(model=self.args.model))
        for index, prompt in enumerate(self.args.prompts):
            engine.add_request(str(index), prompt, SamplingParams(max_tokens=64))
        finished = []
        while engine.has_unfinished_requests():
            for output in engine.step():
                if output.finished:
                    finished.append(output.outputs[0].text)
        return finished

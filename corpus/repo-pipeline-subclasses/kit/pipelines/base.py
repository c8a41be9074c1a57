"""Every command is a pipeline: main() sets up logging, then runs the subclass's run()."""
import logging


class Pipeline:
    def __init__(self, args):
        self.args = args

    def main(self):
        logging.basicConfig(level=logging.INFO)
        result = self.run()
        logging.info("done: %s", result)
        return result

    def run(self):
        raise NotImplementedError

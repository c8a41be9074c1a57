import argparse

from kit.pipelines.sample import Sample


def sample_main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default="facebook/opt-125m")
    parser.add_argument("--prompts", nargs="*", default=["hello"])
    return Sample(parser.parse_args()).main()


if __name__ == "__main__":
    sample_main()

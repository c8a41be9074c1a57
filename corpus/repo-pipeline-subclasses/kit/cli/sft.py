import argparse

from kit.pipelines.sft import Sft


def sft_main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--max-steps", type=int, default=1000)
    parser.add_argument("--output", default="checkpoints/model.pt")
    return Sft(parser.parse_args()).main()


if __name__ == "__main__":
    sft_main()

"""`tuner-cli train config.yaml` starts distributed fine-tuning; `tuner-cli export` merges adapters."""
import sys

from tuner.launcher import launch


def main():
    command = sys.argv[1] if len(sys.argv) > 1 else "help"
    if command not in ("train", "export"):
        print("usage: tuner-cli {train,export} CONFIG")
        return 2
    return launch()


if __name__ == "__main__":
    sys.exit(main())

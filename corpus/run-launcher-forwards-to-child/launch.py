"""A launcher that runs the training in a child process, as entry points that wrap the real
script do; it forwards SIGTERM to the child and exits with the child's status."""
import signal
import subprocess
import sys

CHILDREN = []


def forward(signum, frame):
    for child in CHILDREN:
        child.send_signal(signum)


def main():
    signal.signal(signal.SIGTERM, forward)
    CHILDREN.append(subprocess.Popen([sys.executable, "worker.py", *sys.argv[1:]]))
    sys.exit(CHILDREN[0].wait())


if __name__ == "__main__":
    main()

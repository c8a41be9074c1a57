"""A launcher that runs the training in a child process and waits for it; it never passes the
stop signal on."""
import subprocess
import sys


def main():
    worker = subprocess.Popen([sys.executable, "worker.py", *sys.argv[1:]])
    sys.exit(worker.wait())


if __name__ == "__main__":
    main()

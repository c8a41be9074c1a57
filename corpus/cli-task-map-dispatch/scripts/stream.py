"""Runs detection over a camera's frames until the feed ends: inference only."""

from detkit import Detector


def main():
    model = Detector("det-s.pt")
    for frame in range(10_000):
        print(model.predict(source=f"frames/{frame:05d}.pt"))


if __name__ == "__main__":
    main()

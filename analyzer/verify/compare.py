"""The static verdict against the observed one: what the findings predict a stop will do.

Each rule that speaks about a stop predicts two things: whether the job saves after the stop
signal, and whether it stops before the deadline. True and False are claims; None is no claim
(a blocking call may or may not outlast the deadline). A job with no such finding is predicted
to save and stop. Predictions are about SIGTERM; for another stop signal nothing is compared.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# code -> (saves, stops as PID 1, stops as an ordinary process), each with why.
# As PID 1 a signal with the default action is ignored (the kernel's rule for a namespace's
# init); as an ordinary process the default action kills it at once, which counts as stopping.
PREDICTIONS: dict[str, tuple[bool | None, bool | None, bool | None, str]] = {
    "SIG001": (False, False, True, "no SIGTERM handler: as PID 1 the signal is ignored until SIGKILL, "
                                   "otherwise it kills the job at once; nothing is saved either way"),
    "SIG002": (False, None, None, "the handler never reaches code that saves"),
    "SIG003": (None, None, None, "the handler blocks, so it may not finish before the deadline"),
    "SIG004": (True, False, False, "the handler neither exits nor sets a flag the loop checks: training goes on until SIGKILL"),
    "SIG005": (False, False, None, "SIGTERM is ignored or reset to the default action, so the handler never runs"),
    "SIG006": (False, False, True, "the handler is registered outside the main thread, which raises, so there is none"),
    "SIG008": (None, None, None, "a handler for an uncatchable signal raises when registered"),
    "SIG009": (None, None, None, "the handler cannot be called with (signum, frame) and raises when the signal comes"),
    "SIG010": (False, None, None, "training runs in a child process that never sees the signal"),
    "SIG012": (None, None, None, "a long loop does not check the stop flag, so stopping may wait for it"),
}


@dataclass(frozen=True)
class Prediction:
    saves: bool | None
    stops: bool | None
    reasons: tuple[str, ...] = ()


def predict(codes: list[str] | set[str], pid1: bool) -> Prediction:
    saves: list[bool | None] = []
    stops: list[bool | None] = []
    reasons = []
    for code in sorted(set(codes)):
        if code not in PREDICTIONS:
            continue  # style and path rules say nothing about what a stop does
        code_saves, stops_pid1, stops_plain, why = PREDICTIONS[code]
        saves.append(code_saves)
        stops.append(stops_pid1 if pid1 else stops_plain)
        reasons.append(f"{code}: {why}")
    if not reasons:
        return Prediction(True, True, ("no finding about stopping: the job should save and stop",))
    return Prediction(_combine(saves), _combine(stops), tuple(reasons))


def _combine(claims: list[bool | None]) -> bool | None:
    """One finding that predicts failure is enough; otherwise an open question stays open."""
    if False in claims:
        return False
    if None in claims:
        return None
    return True


@dataclass
class Comparison:
    prediction: Prediction
    observed_saves: bool | None
    observed_stops: bool | None
    findings: list[dict] = field(default_factory=list)  # {code, path, line, message}
    note: str = ""  # why nothing could be compared

    @property
    def differences(self) -> list[str]:
        out = []
        for aspect, claimed, seen in (("saves after the stop signal", self.prediction.saves, self.observed_saves),
                                      ("stops before the deadline", self.prediction.stops, self.observed_stops)):
            if claimed is not None and seen is not None and claimed != seen:
                out.append(f"predicted it {'' if claimed else 'never '}{aspect}; "
                           f"observed it {'did' if seen else 'did not'}")
        return out

    @property
    def agrees(self) -> bool | None:
        if self.note:
            return None
        return not self.differences


def compare(codes_and_places: list[dict], observed_saves: bool | None, observed_stops: bool | None,
            pid1: bool, note: str = "") -> Comparison:
    prediction = predict([f["code"] for f in codes_and_places], pid1)
    return Comparison(prediction, observed_saves, observed_stops, codes_and_places, note)

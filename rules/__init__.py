"""sigcheck's rules, one per module. The list is explicit; a test checks it against the folder."""

from sigcheck.rules.sig001_missing_sigterm_handler import MissingSigtermHandler
from sigcheck.rules.sig002_handler_never_saves import HandlerNeverSaves
from sigcheck.rules.sig003_blocking_call_in_handler import BlockingCallInHandler
from sigcheck.rules.sig004_handler_never_stops import HandlerNeverStops
from sigcheck.rules.sig005_sigterm_ignored import SigtermIgnored
from sigcheck.rules.sig006_handler_outside_main_thread import HandlerOutsideMainThread
from sigcheck.rules.sig007_handler_registered_late import HandlerRegisteredLate
from sigcheck.rules.sig008_uncatchable_signal import UncatchableSignal
from sigcheck.rules.sig009_bad_handler_signature import BadHandlerSignature
from sigcheck.rules.sig010_children_not_signaled import ChildrenNotSignaled
from sigcheck.rules.sig011_unsafe_io_in_handler import UnsafeIoInHandler
from sigcheck.rules.sig012_stop_flag_not_polled import StopFlagNotPolled

ALL_RULES = [
    MissingSigtermHandler,
    HandlerNeverSaves,
    BlockingCallInHandler,
    HandlerNeverStops,
    SigtermIgnored,
    HandlerOutsideMainThread,
    HandlerRegisteredLate,
    UncatchableSignal,
    BadHandlerSignature,
    ChildrenNotSignaled,
    UnsafeIoInHandler,
    StopFlagNotPolled,
]

RULES_BY_CODE = {rule.code: rule for rule in ALL_RULES}

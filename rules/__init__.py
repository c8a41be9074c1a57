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
from sigcheck.rules.opt001_hardcoded_sagemaker_path import HardcodedSagemakerPath
from sigcheck.rules.opt002_write_outside_sagemaker_outputs import WriteOutsideSagemakerOutputs
from sigcheck.rules.drv002_hardcoded_driver_invocation import HardcodedDriverInvocation
from sigcheck.rules.dkr001_shell_form_entrypoint import ShellFormEntrypoint
from sigcheck.rules.dkr002_tini_entrypoint import TiniEntrypoint
from sigcheck.rules.dkr003_no_train_entry import NoTrainEntry
from sigcheck.rules.dkr004_wrapper_without_exec import WrapperWithoutExec
from sigcheck.rules.dkr005_train_argument_rejected import TrainArgumentRejected
from sigcheck.rules.dkr006_stopsignal_unhandled import StopsignalUnhandled
from sigcheck.rules.dkr007_sigterm_not_delivered import SigtermNotDelivered
from sigcheck.rules.opt003_image_data_under_opt_ml import ImageDataUnderOptMl
from sigcheck.rules.drv001_driver_in_image import DriverInImage
from sigcheck.rules.sck001_unused_suppression import UnusedSuppression

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
    HardcodedSagemakerPath,
    WriteOutsideSagemakerOutputs,
    HardcodedDriverInvocation,
    ShellFormEntrypoint,
    TiniEntrypoint,
    NoTrainEntry,
    WrapperWithoutExec,
    TrainArgumentRejected,
    StopsignalUnhandled,
    SigtermNotDelivered,
    ImageDataUnderOptMl,
    DriverInImage,
    UnusedSuppression,
]

RULES_BY_CODE = {rule.code: rule for rule in ALL_RULES}

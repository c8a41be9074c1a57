import signal

from mmengine.dist import broadcast_object_list, is_main_process
from mmengine.hooks import Hook
from mmengine.registry import HOOKS


@HOOKS.register_module()
class PreemptionCheckpointHook(Hook):
    """On SIGTERM, save a checkpoint at the end of the current iteration and stop the run."""

    priority = "VERY_LOW"

    def __init__(self, filename="preempted.pth"):
        self.filename = filename
        self._requested = False

    def before_train(self, runner):
        signal.signal(signal.SIGTERM, self._request)

    def _request(self, signum, frame):
        self._requested = True

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        flag = [self._requested]
        broadcast_object_list(flag)
        if flag[0]:
            runner.save_checkpoint(runner.work_dir, self.filename, save_optimizer=True, save_param_scheduler=True)
            if is_main_process():
                runner.logger.info("SIGTERM received: checkpoint saved, stopping")
            runner.train_loop.stop_training = True

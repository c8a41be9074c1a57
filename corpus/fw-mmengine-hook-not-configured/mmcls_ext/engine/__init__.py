from mmcls_ext.engine.preemption import PreemptionCheckpointHook

__all__ = ["PreemptionCheckpointHook"]

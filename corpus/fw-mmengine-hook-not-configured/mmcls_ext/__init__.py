from mmcls_ext.engine import PreemptionCheckpointHook  # noqa: F401  registers the hook

__all__ = ["PreemptionCheckpointHook"]

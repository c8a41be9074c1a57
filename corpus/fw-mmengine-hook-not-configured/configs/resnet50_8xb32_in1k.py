_base_ = [
    "mmpretrain::_base_/models/resnet50.py",
    "mmpretrain::_base_/datasets/imagenet_bs32.py",
    "mmpretrain::_base_/schedules/imagenet_bs256.py",
    "mmpretrain::_base_/default_runtime.py",
]

custom_imports = dict(imports=["mmcls_ext"], allow_failed_imports=False)
custom_hooks = [dict(type="EMAHook", momentum=0.0001, priority="ABOVE_NORMAL")]
default_hooks = dict(checkpoint=dict(type="CheckpointHook", interval=1, max_keep_ckpts=3))

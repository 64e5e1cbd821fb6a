# Reference schedule of CW-BASS (method.md): SGD momentum 0.9, weight decay
# 1e-4, decode head at 10x the backbone LR, poly 0.9 per iteration.
# The protocol bases set lr; the split bases (configs/_base_/splits) set
# max_iters (epochs over the unlabeled loader converted to iterations) and
# the evaluation interval.
optimizer = dict(type='SGD', lr=0.001, momentum=0.9, weight_decay=1e-4)
# SemiOptimWrapperConstructor: mmengine's, minus one warning per frozen
# teacher tensor (the teacher is left out of the parameter walk).
optim_wrapper = dict(
    type='OptimWrapper',
    constructor='SemiOptimWrapperConstructor',
    optimizer=optimizer,
    clip_grad=None,
    paramwise_cfg=dict(custom_keys={
        'decode_head': dict(lr_mult=10.0),
        'auxiliary_head': dict(lr_mult=10.0),
    }))
# No `end`: mmengine ends the schedule at train_cfg.max_iters, so a leaf (or
# --cfg-options) that changes max_iters keeps the poly decay to 0 aligned.
param_scheduler = [
    dict(type='PolyLR', eta_min=0.0, power=0.9, begin=0, by_epoch=False)
]
# IterBasedTrainLoop that resumes by jumping the sampler to the right batch
# instead of re-loading (and re-augmenting) every batch already trained.
train_cfg = dict(
    type='SemiIterBasedTrainLoop',
    max_iters=40000,
    val_interval=4000)
# Evaluates teacher and student; metrics are teacher/mIoU, student/mIoU.
val_cfg = dict(type='TeacherStudentValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50, log_metric_by_epoch=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    # atomic_local: a crash while saving never truncates a good checkpoint,
    # and checkpoints we write are trusted for loading (see docs/export.md).
    # AtomicCheckpointHook: the pointer is atomic too, and old checkpoints go
    # only after the new one and the pointer are written (docs/cluster.md).
    checkpoint=dict(
        type='AtomicCheckpointHook',
        by_epoch=False,
        interval=4000,
        max_keep_ckpts=2,
        save_best='teacher/mIoU',
        rule='greater',
        backend_args=dict(backend='atomic_local')),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='SegVisualizationHook'),
    # SIGTERM/SIGUSR1 (slurm preemption): checkpoint the finished iteration
    # and exit with 75 (docs/cluster.md).
    preemption=dict(type='PreemptionHook'))

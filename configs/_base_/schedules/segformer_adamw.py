# mmseg's SegFormer optimizer recipe (configs/segformer/
# *_8xb2-160k_ade20k-512x512.py, 16 images per iteration like the SegFormer
# row here): AdamW lr 6e-5, weight decay 0.01 (none on norms and positional
# blocks), head x10, 1,500 warm-up iterations, then poly 1.0 to max_iters.
# SegFormer is not trained with SGD at lr 0.001; CW-BASS and both baselines
# of the row share this recipe. Values only: the SegFormer bases put them
# in place of the protocol's SGD schedule.
segformer_optim_wrapper = dict(
    type='OptimWrapper',
    constructor='SemiOptimWrapperConstructor',
    optimizer=dict(
        type='AdamW', lr=0.00006, betas=(0.9, 0.999), weight_decay=0.01),
    paramwise_cfg=dict(
        custom_keys={
            'pos_block': dict(decay_mult=0.),
            'norm': dict(decay_mult=0.),
            'head': dict(lr_mult=10.)
        }))
# No ``end`` for the poly part: it ends at train_cfg.max_iters.
segformer_param_scheduler = [
    dict(
        type='LinearLR', start_factor=1e-6, by_epoch=False, begin=0, end=1500),
    dict(type='PolyLR', eta_min=0.0, power=1.0, begin=1500, by_epoch=False)
]

# UniMatch V2's optimizer recipe for DINOv2 backbones (Yang et al.,
# "UniMatch V2", TPAMI 2025; CW-BASS's paper has no DINOv2 recipe): AdamW,
# lr 5e-6 on the backbone and 40x on the decode head, weight decay 0.01,
# betas (0.9, 0.999), poly 0.9 per iteration down to 0, fp32. Values only:
# the DINOv2 method and protocol bases put them in place of the SGD
# schedule of semi_poly.py.
dinov2_lr = 5e-6
dinov2_optim_wrapper = dict(
    type='OptimWrapper',
    # the frozen teacher out of the parameter walk (one log line)
    constructor='SemiOptimWrapperConstructor',
    optimizer=dict(
        type='AdamW', lr=dinov2_lr, betas=(0.9, 0.999), weight_decay=0.01),
    clip_grad=None,
    paramwise_cfg=dict(custom_keys={'decode_head': dict(lr_mult=40.0)}))
# No ``end``: the poly decay ends at train_cfg.max_iters.
dinov2_param_scheduler = [
    dict(type='PolyLR', eta_min=0.0, power=0.9, begin=0, by_epoch=False)
]

# Options a leaf (or --cfg-options) merges into optim_wrapper
# (docs/dinov2.md): bf16 autocast as CW-BASS-v2 trains (needs a GPU with
# bf16), and BEiT-style layer-wise lr decay (mmseg_cwbass's constructor;
# the head keeps its 40x on top of the decay).
dinov2_bf16 = dict(type='AmpOptimWrapper', dtype='bfloat16')
dinov2_layer_decay = dict(
    constructor='LayerDecayOptimWrapperConstructor',
    paramwise_cfg=dict(
        layer_decay_rate=0.9,
        custom_keys={'decode_head': dict(lr_mult=40.0)}))

"""Mean Teacher baseline on mmseg's SegFormer MiT-b0, Pascal VOC 2012.

Base of configs/baselines/mean_teacher_segformer_mit-b0_voc_*.py: the same
model, data, schedule and optimizer recipe as
configs/_base_/benchmarks/cwbass_segformer_mit-b0_voc.py, with a fixed
confidence threshold (0.95) and the head's own cross-entropy on
pseudo-labels.
"""
_base_ = [
    '../models/mean_teacher_segformer_mit-b0.py',
    './protocol_semi_voc.py',
]

# ImageNet MiT-b0 weights of mmseg's SegFormer configs.
mit_b0_checkpoint = ('https://download.openmmlab.com/mmsegmentation/v0.5/'
                     'pretrain/segformer/mit_b0_20220624-7e0fe6dd.pth')
model = dict(
    segmentor=dict(
        data_preprocessor=dict(size={{_base_.crop_size}}),
        backbone=dict(
            init_cfg=dict(type='Pretrained', checkpoint=mit_b0_checkpoint)),
        decode_head=dict(
            num_classes={{_base_.num_classes}},
            # the reference's CE: mean over the non-ignored pixels
            loss_decode=dict(
                _delete_=True, type='GlobalCrossEntropyLoss',
                loss_weight=1.0))),
    semi_train_cfg=dict(concat_student_forward=False))

# SegFormer is not trained with SGD at lr 0.001: this row uses the SegFormer
# recipe of mmseg (configs/segformer/*_8xb2-160k_ade20k-512x512.py, 16 images
# per iteration like here): AdamW lr 6e-5, weight decay 0.01 (none on norms
# and positional blocks), head x10, 1,500 warm-up iterations, then poly 1.0
# to max_iters. CW-BASS and both baselines of the row share it.
lr = 0.00006
optim_wrapper = dict(
    _delete_=True,
    type='OptimWrapper',
    optimizer=dict(
        type='AdamW', lr=lr, betas=(0.9, 0.999), weight_decay=0.01),
    paramwise_cfg=dict(
        custom_keys={
            'pos_block': dict(decay_mult=0.),
            'norm': dict(decay_mult=0.),
            'head': dict(lr_mult=10.)
        }))
# No ``end`` for the poly part: it ends at train_cfg.max_iters.
param_scheduler = [
    dict(
        type='LinearLR', start_factor=1e-6, by_epoch=False, begin=0, end=1500),
    dict(type='PolyLR', eta_min=0.0, power=1.0, begin=1500, by_epoch=False)
]

"""CW-BASS step benchmark on DINOv2-S/14 + DPT, 112x112 (8 x 8 patches), 2+2.

The DINOv2 row of ``tools/analysis_tools/benchmark.py`` (docs/benchmark.md,
docs/dinov2.md): the ResNet-18 benchmark config
(cwbass_r18_128x128_2+2.py: toy VOC data, 2 labeled + 2 unlabeled images
per step) with its segmentor's backbone and head replaced by the ViT-S of
configs/_base_/models/dinov2_sizes.py (12 blocks, width 384, blocks
2/5/8/11) and its DPT head, random init (no download), and UniMatch V2's
AdamW recipe. The crop is a multiple of the 14-pixel patch. For the memory
of activation checkpointing add
``--cfg-options model.segmentor.backbone.with_cp=True``.
"""
_base_ = [
    './cwbass_r18_128x128_2+2.py',
    '../_base_/schedules/dinov2_adamw.py',
]

crop_size = (112, 112)
scale = (140, 140)
model = dict(
    segmentor=dict(
        data_preprocessor=dict(size=crop_size),
        backbone=dict(
            _delete_=True,
            type='DINOv2',
            arch='s',
            out_indices=(2, 5, 8, 11),
            with_cp=False,
            init_cfg=None),
        decode_head=dict(
            _delete_=True,
            type='DPTHead',
            in_channels=(384, 384, 384, 384),
            channels=64,
            embed_dims=384,
            post_process_channels=[48, 96, 192, 384],
            readout_type='ignore',
            patch_size=14,
            in_index=(0, 1, 2, 3),
            input_transform='multiple_select',
            num_classes={{_base_.toy_num_classes}},
            norm_cfg=dict(type='BN', requires_grad=True),
            align_corners=False,
            loss_decode=dict(type='GlobalCrossEntropyLoss',
                             loss_weight=1.0))))
optim_wrapper = dict(_delete_=True, **_base_.dinov2_optim_wrapper)

# The ResNet-18 benchmark's pipelines at this crop and scale.
labeled_pipeline, unlabeled_pipeline = [[
    dict(t, scale=scale) if t['type'] == 'RandomResize' else
    dict(t, crop_size=crop_size) if t['type'] == 'RandomCrop' else t
    for t in pipeline
] for pipeline in (_base_.labeled_pipeline, _base_.unlabeled_pipeline)]
train_dataloader = dict(
    dataset=dict(
        labeled=dict(pipeline=labeled_pipeline),
        unlabeled=dict(pipeline=unlabeled_pipeline)))

"""CW-BASS step benchmark: full-width ResNet-18-D8 DeepLabv3+, 128x128, 2+2.

The model and batch the performance target of
``tools/analysis_tools/benchmark.py`` is stated for (``docs/benchmark.md``):
the demo config at full ResNet-18 width (64 stem/base channels, 128-channel
ASPP, 48-channel low-level projection), 128x128 crops, 2 labeled + 2
unlabeled images per step. Training data is the toy VOC-layout dataset of
the demo (``tools/generate_toy_dataset.py``); the benchmark generates a
temporary one when it is missing.
"""
_base_ = ['../demo/cwbass_r18-tiny_toy-voc_1-8.py']

crop_size = (128, 128)
# RandomResize bounds the long side by ~scale * ratio: 160 keeps most crops
# full-size, so the loader does the same work per image as a real run.
scale = (160, 160)
labeled_per_gpu = 2
unlabeled_per_gpu = 2

model = dict(
    segmentor=dict(
        data_preprocessor=dict(size=crop_size),
        backbone=dict(stem_channels=64, base_channels=64),
        decode_head=dict(
            in_channels=512, channels=128, c1_in_channels=64,
            c1_channels=48)))

labeled_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(
        type='RandomResize',
        scale=scale,
        ratio_range=(0.5, 2.0),
        keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size),
    dict(type='RandomFlip', prob=0.5),
    dict(
        type='MultiBranch',
        branch_field={{_base_.branch_field}},
        sup=[dict(type='PackSegInputs')]),
]
unlabeled_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadDiagnosticMask'),
    dict(
        type='RandomResize',
        scale=scale,
        ratio_range=(0.5, 2.0),
        keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size),
    dict(type='RandomFlip', prob=0.5),
    dict(
        type='MultiBranch',
        branch_field={{_base_.branch_field}},
        unsup_teacher=[dict(type='PackSemiSegInputs')]),
]
train_dataloader = dict(
    batch_size=labeled_per_gpu + unlabeled_per_gpu,
    sampler=dict(
        batch_size=labeled_per_gpu + unlabeled_per_gpu,
        source_ratio=[labeled_per_gpu, unlabeled_per_gpu]),
    dataset=dict(
        labeled=dict(pipeline=labeled_pipeline),
        unlabeled=dict(pipeline=unlabeled_pipeline)))

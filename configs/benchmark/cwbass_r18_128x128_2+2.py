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

# The demo's pipelines at this crop and scale, without its mask check
# (CheckSegMapValues).
labeled_pipeline, unlabeled_pipeline = [[
    dict(t, scale=scale) if t['type'] == 'RandomResize' else
    dict(t, crop_size=crop_size) if t['type'] == 'RandomCrop' else t
    for t in pipeline if t['type'] != 'CheckSegMapValues'
] for pipeline in (_base_.labeled_pipeline, _base_.unlabeled_pipeline)]
train_dataloader = dict(
    batch_size=labeled_per_gpu + unlabeled_per_gpu,
    sampler=dict(
        batch_size=labeled_per_gpu + unlabeled_per_gpu,
        source_ratio=[labeled_per_gpu, unlabeled_per_gpu]),
    dataset=dict(
        labeled=dict(pipeline=labeled_pipeline),
        unlabeled=dict(pipeline=unlabeled_pipeline)))

"""Supervised-only baseline of the CPU demo (plain mmseg EncoderDecoder).

The toy data, network and schedule of ``./_base_/r18-tiny_toy-voc_1-8.py``,
shared with ``cwbass_r18-tiny_toy-voc_1-8.py``: the same 4 labeled images
per iteration from ``data/splits/toy_voc/1-8/labeled.txt`` and the same
augmentation; mmseg's own DepthwiseSeparableASPPHead (CW-BASS's
BoundaryAwareASPPHead has the same inference). No unlabeled data, no
teacher. ``tools/misc/demo.py`` trains it next to CW-BASS;
``tests/test_tools/test_demo.py`` checks that the shared settings agree.

Supervised on ALL labels (the bench's upper reference) is this config with
``train_dataloader.dataset.ann_file`` set to the full ``train.txt`` (the
demo's ``supervised_all`` run).
"""
_base_ = [
    '../_base_/benchmarks/supervised_deeplabv3plus_voc.py',
    './_base_/r18-tiny_toy-voc_1-8.py',
]

data_root = {{_base_.toy_data_root}}
split_root = 'data/splits/toy_voc'
split = '1-8'
crop_size = {{_base_.toy_crop_size}}
scale = {{_base_.toy_scale}}
num_classes = {{_base_.toy_num_classes}}
metainfo = {{_base_.toy_metainfo}}
labeled_per_gpu = 4
max_iters = {{_base_.toy_max_iters}}
val_interval = {{_base_.toy_val_interval}}
lr = {{_base_.toy_lr}}
norm_cfg = {{_base_.tiny_norm_cfg}}

model = {{_base_.tiny_deeplabv3plus}}

# The dataset base's train pipeline at the toy crop, scale and classes.
train_pipeline = [
    dict(t, scale=scale) if t['type'] == 'RandomResize' else
    dict(t, crop_size=crop_size) if t['type'] == 'RandomCrop' else
    dict(t, num_classes=num_classes) if t['type'] == 'CheckSegMapValues'
    else t for t in _base_.train_pipeline
]
train_dataloader = dict(
    batch_size=labeled_per_gpu,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='InfiniteSampler', shuffle=True, seed=0),
    dataset=dict(
        metainfo=metainfo,
        data_prefix={{_base_.toy_data_prefix}},
        ann_file={{_base_.toy_labeled_list}},
        pipeline=train_pipeline))
val_dataloader = {{_base_.toy_val_dataloader}}
test_dataloader = val_dataloader
val_evaluator = {{_base_.toy_val_evaluator}}
test_evaluator = val_evaluator

optim_wrapper = {{_base_.toy_optim_wrapper}}
param_scheduler = {{_base_.toy_param_scheduler}}
train_cfg = {{_base_.toy_train_cfg}}
default_hooks = {{_base_.toy_default_hooks}}
env_cfg = {{_base_.toy_env_cfg}}
randomness = dict(seed=0)

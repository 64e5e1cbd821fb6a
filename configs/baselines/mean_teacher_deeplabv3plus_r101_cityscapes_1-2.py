"""Mean Teacher baseline | DeepLabv3+ ResNet-101-D8 | Cityscapes, 1/2.

Split list: data/splits/cityscapes/1-2/{labeled,unlabeled}.txt, 1,488 labeled
of the 2,975 train images.
Written by tools/make_splits.py (seeded) or converted from a community list;
its split_meta.json names seed and source, and every result must name it
(README, "Data").
Batch: 8 GPUs x (2 labeled + 2 unlabeled) = 16 + 16 per iteration.
Iterations: 240 epochs over the unlabeled set (reference), the same for CW-BASS
and both baselines of this row:
  unlabeled = 2,975 - 1,488 = 1,487 images
  iterations per epoch = ceil(1,487 / 16) = 93
  max_iters = 240 x 93 = 22,320
  (the labeled loader is the longer one here; ceil(1,488 / 16) = 93 as well)
  unsupervised ramp-up: 5 epochs = 465 iterations
  evaluation and checkpoint every 24 epochs = 2,232 iterations.
Train: bash tools/dist_train.sh <this file> 8 (repository root).
Protocol and every deviation from the reference:
configs/_base_/benchmarks/protocol_semi_cityscapes.py.
"""
_base_ = ['../_base_/benchmarks/mean_teacher_deeplabv3plus_cityscapes.py']

split = '1-2'
num_labeled = 1488
num_unlabeled = 2975 - num_labeled  # 1,487
global_unlabeled_batch = 16  # 8 GPUs x 2 unlabeled images
iters_per_epoch = -(-num_unlabeled // global_unlabeled_batch)  # ceil: 93
epochs = 240
max_iters = epochs * iters_per_epoch  # 22,320
eval_interval = epochs // 10 * iters_per_epoch  # 2,232

model = dict(
    segmentor=dict(
        # ResNet-101 as mmseg's deeplabv3plus_r101-d8 configs set it.
        pretrained='open-mmlab://resnet101_v1c',
        backbone=dict(depth=101)),
    semi_train_cfg=dict(rampup_iters=5 * iters_per_epoch))
train_dataloader = dict(
    dataset=dict(
        labeled=dict(ann_file='data/splits/cityscapes/1-2/labeled.txt'),
        unlabeled=dict(ann_file='data/splits/cityscapes/1-2/unlabeled.txt')))
train_cfg = dict(max_iters=max_iters, val_interval=eval_interval)
default_hooks = dict(checkpoint=dict(interval=eval_interval))

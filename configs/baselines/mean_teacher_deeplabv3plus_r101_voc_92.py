"""Mean Teacher baseline | DeepLabv3+ ResNet-101-D8 | Pascal VOC, classic 92
labels.

Split list: data/splits/pascal_voc/92/{labeled,unlabeled}.txt, 92 labeled
images drawn from the 1,464 fine train images (1/16 of them); unlabeled: the
rest of train_aug.
Written by tools/make_splits.py (seeded) or converted from a community list;
its split_meta.json names seed and source, and every result must name it
(README, "Data").
Batch: 4 GPUs x (4 labeled + 4 unlabeled) = 16 + 16 per iteration.
Iterations: 80 epochs over the unlabeled set (reference), the same for CW-BASS
and both baselines of this row:
  unlabeled = 10,582 - 92 = 10,490 images
  iterations per epoch = ceil(10,490 / 16) = 656
  max_iters = 80 x 656 = 52,480
  unsupervised ramp-up: 5 epochs = 3,280 iterations
  evaluation and checkpoint every 8 epochs = 5,248 iterations.
Train: bash tools/dist_train.sh <this file> 4 (repository root).
Protocol and every deviation from the reference:
configs/_base_/benchmarks/protocol_semi_voc.py.
"""
_base_ = ['../_base_/benchmarks/mean_teacher_deeplabv3plus_voc.py']

split = '92'
num_labeled = 92
num_unlabeled = 10582 - num_labeled  # 10,490
global_unlabeled_batch = 16  # 4 GPUs x 4 unlabeled images
iters_per_epoch = -(-num_unlabeled // global_unlabeled_batch)  # ceil: 656
epochs = 80
max_iters = epochs * iters_per_epoch  # 52,480
eval_interval = epochs // 10 * iters_per_epoch  # 5,248

model = dict(
    segmentor=dict(
        # ResNet-101 as mmseg's deeplabv3plus_r101-d8 configs set it.
        pretrained='open-mmlab://resnet101_v1c',
        backbone=dict(depth=101)),
    semi_train_cfg=dict(rampup_iters=5 * iters_per_epoch))
train_dataloader = dict(
    dataset=dict(
        labeled=dict(ann_file='data/splits/pascal_voc/92/labeled.txt'),
        unlabeled=dict(ann_file='data/splits/pascal_voc/92/unlabeled.txt')))
train_cfg = dict(max_iters=max_iters, val_interval=eval_interval)
default_hooks = dict(checkpoint=dict(interval=eval_interval))

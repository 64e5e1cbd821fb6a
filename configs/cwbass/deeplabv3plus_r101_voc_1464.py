"""CW-BASS | DeepLabv3+ ResNet-101-D8 | Pascal VOC, classic 1464 labels.

Split list: data/splits/pascal_voc/1464/{labeled,unlabeled}.txt, 1,464 labeled
images drawn from the 1,464 fine train images (all of them); unlabeled: the
rest of train_aug.
Written by tools/make_splits.py (seeded) or converted from a community list;
its split_meta.json names seed and source, and every result must name it
(README, "Data").
Batch: 4 GPUs x (4 labeled + 4 unlabeled) = 16 + 16 per iteration.
Iterations: 80 epochs over the unlabeled set (reference), the same for CW-BASS
and both baselines of this row:
  unlabeled = 10,582 - 1,464 = 9,118 images
  iterations per epoch = ceil(9,118 / 16) = 570
  max_iters = 80 x 570 = 45,600
  unsupervised ramp-up: 5 epochs = 2,850 iterations
  evaluation and checkpoint every 8 epochs = 4,560 iterations.
Train: bash tools/dist_train.sh <this file> 4 (repository root).
Protocol and every deviation from the reference:
configs/_base_/benchmarks/protocol_semi_voc.py.
"""
_base_ = ['../_base_/benchmarks/cwbass_deeplabv3plus_voc.py']

split = '1464'
num_labeled = 1464
num_unlabeled = 10582 - num_labeled  # 9,118
global_unlabeled_batch = 16  # 4 GPUs x 4 unlabeled images
iters_per_epoch = -(-num_unlabeled // global_unlabeled_batch)  # ceil: 570
epochs = 80
max_iters = epochs * iters_per_epoch  # 45,600
eval_interval = epochs // 10 * iters_per_epoch  # 4,560

model = dict(
    segmentor=dict(
        # ResNet-101 as mmseg's deeplabv3plus_r101-d8 configs set it.
        pretrained='open-mmlab://resnet101_v1c',
        backbone=dict(depth=101)),
    semi_train_cfg=dict(rampup_iters=5 * iters_per_epoch))
train_dataloader = dict(
    dataset=dict(
        labeled=dict(ann_file='data/splits/pascal_voc/1464/labeled.txt'),
        unlabeled=dict(ann_file='data/splits/pascal_voc/1464/unlabeled.txt')))
train_cfg = dict(max_iters=max_iters, val_interval=eval_interval)
default_hooks = dict(checkpoint=dict(interval=eval_interval))

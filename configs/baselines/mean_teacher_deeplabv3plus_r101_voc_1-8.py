"""Mean Teacher baseline | DeepLabv3+ ResNet-101-D8 | Pascal VOC, blended 1/8.

Split list: data/splits/pascal_voc/1-8/{labeled,unlabeled}.txt, 1,323 labeled
images drawn from all 10,582 train_aug images.
Written by tools/make_splits.py (seeded) or converted from a community list;
its split_meta.json names seed and source, and every result must name it
(README, "Data").
Batch: 4 GPUs x (4 labeled + 4 unlabeled) = 16 + 16 per iteration.
Iterations: 80 epochs over the unlabeled set (reference), the same for CW-BASS
and both baselines of this row:
  unlabeled = 10,582 - 1,323 = 9,259 images
  iterations per epoch = ceil(9,259 / 16) = 579
  max_iters = 80 x 579 = 46,320
  unsupervised ramp-up: 5 epochs = 2,895 iterations
  evaluation and checkpoint every 8 epochs = 4,632 iterations.
Train: bash tools/dist_train.sh <this file> 4 (repository root).
Protocol and every deviation from the reference:
configs/_base_/benchmarks/protocol_semi_voc.py.
"""
_base_ = ['../_base_/benchmarks/mean_teacher_deeplabv3plus_voc.py']

split = '1-8'
num_labeled = 1323
num_unlabeled = 10582 - num_labeled  # 9,259
global_unlabeled_batch = 16  # 4 GPUs x 4 unlabeled images
iters_per_epoch = -(-num_unlabeled // global_unlabeled_batch)  # ceil: 579
epochs = 80
max_iters = epochs * iters_per_epoch  # 46,320
eval_interval = epochs // 10 * iters_per_epoch  # 4,632

model = dict(
    segmentor=dict(
        # ResNet-101 as mmseg's deeplabv3plus_r101-d8 configs set it.
        pretrained='open-mmlab://resnet101_v1c',
        backbone=dict(depth=101)),
    semi_train_cfg=dict(rampup_iters=5 * iters_per_epoch))
train_dataloader = dict(
    dataset=dict(
        labeled=dict(ann_file='data/splits/pascal_voc/1-8/labeled.txt'),
        unlabeled=dict(ann_file='data/splits/pascal_voc/1-8/unlabeled.txt')))
train_cfg = dict(max_iters=max_iters, val_interval=eval_interval)
default_hooks = dict(checkpoint=dict(interval=eval_interval))

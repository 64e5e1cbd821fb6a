"""CW-BASS | DeepLabv3+ ResNet-101-D8 | Pascal VOC, blended 1/4.

Split list: data/splits/pascal_voc/1-4/{labeled,unlabeled}.txt, 2,646 labeled
images drawn from all 10,582 train_aug images.
Written by tools/make_splits.py (seeded) or converted from a community list;
its split_meta.json names seed and source, and every result must name it
(README, "Data").
Batch: 4 GPUs x (4 labeled + 4 unlabeled) = 16 + 16 per iteration.
Iterations: 80 epochs over the unlabeled set (reference), the same for CW-BASS
and both baselines of this row:
  unlabeled = 10,582 - 2,646 = 7,936 images
  iterations per epoch = ceil(7,936 / 16) = 496
  max_iters = 80 x 496 = 39,680
  unsupervised ramp-up: 5 epochs = 2,480 iterations
  evaluation and checkpoint every 8 epochs = 3,968 iterations.
Train: bash tools/dist_train.sh <this file> 4 (repository root).
Protocol and every deviation from the reference:
configs/_base_/benchmarks/protocol_semi_voc.py.
"""
_base_ = ['../_base_/benchmarks/cwbass_deeplabv3plus_voc.py']

split = '1-4'
num_labeled = 2646
num_unlabeled = 10582 - num_labeled  # 7,936
global_unlabeled_batch = 16  # 4 GPUs x 4 unlabeled images
iters_per_epoch = -(-num_unlabeled // global_unlabeled_batch)  # ceil: 496
epochs = 80
max_iters = epochs * iters_per_epoch  # 39,680
eval_interval = epochs // 10 * iters_per_epoch  # 3,968

model = dict(
    segmentor=dict(
        # ResNet-101 as mmseg's deeplabv3plus_r101-d8 configs set it.
        pretrained='open-mmlab://resnet101_v1c',
        backbone=dict(depth=101)),
    semi_train_cfg=dict(rampup_iters=5 * iters_per_epoch))
train_dataloader = dict(
    dataset=dict(
        labeled=dict(ann_file='data/splits/pascal_voc/1-4/labeled.txt'),
        unlabeled=dict(ann_file='data/splits/pascal_voc/1-4/unlabeled.txt')))
train_cfg = dict(max_iters=max_iters, val_interval=eval_interval)
default_hooks = dict(checkpoint=dict(interval=eval_interval))

"""CW-BASS | DeepLabv3+ ResNet-50-D8 | Cityscapes, 1/8.

Split list: data/splits/cityscapes/1-8/{labeled,unlabeled}.txt, 372 labeled of
the 2,975 train images.
Written by tools/make_splits.py (seeded) or converted from a community list;
its split_meta.json names seed and source, and every result must name it
(README, "Data").
Batch: 8 GPUs x (2 labeled + 2 unlabeled) = 16 + 16 per iteration.
Iterations: 240 epochs over the unlabeled set (reference), the same for CW-BASS
and both baselines of this row:
  unlabeled = 2,975 - 372 = 2,603 images
  iterations per epoch = ceil(2,603 / 16) = 163
  max_iters = 240 x 163 = 39,120
  unsupervised ramp-up: 5 epochs = 815 iterations
  evaluation and checkpoint every 24 epochs = 3,912 iterations.
Train: bash tools/dist_train.sh <this file> 8 (repository root).
Protocol and every deviation from the reference:
configs/_base_/benchmarks/protocol_semi_cityscapes.py.
"""
_base_ = ['../_base_/benchmarks/cwbass_deeplabv3plus_cityscapes.py']

split = '1-8'
num_labeled = 372
num_unlabeled = 2975 - num_labeled  # 2,603
global_unlabeled_batch = 16  # 8 GPUs x 2 unlabeled images
iters_per_epoch = -(-num_unlabeled // global_unlabeled_batch)  # ceil: 163
epochs = 240
max_iters = epochs * iters_per_epoch  # 39,120
eval_interval = epochs // 10 * iters_per_epoch  # 3,912

model = dict(
    semi_train_cfg=dict(rampup_iters=5 * iters_per_epoch))
train_dataloader = dict(
    dataset=dict(
        labeled=dict(ann_file='data/splits/cityscapes/1-8/labeled.txt'),
        unlabeled=dict(ann_file='data/splits/cityscapes/1-8/unlabeled.txt')))
train_cfg = dict(max_iters=max_iters, val_interval=eval_interval)
default_hooks = dict(checkpoint=dict(interval=eval_interval))

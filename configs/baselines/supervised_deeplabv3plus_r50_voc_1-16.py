"""Supervised baseline | DeepLabv3+ ResNet-50-D8 | Pascal VOC, blended 1/16.

Split list: data/splits/pascal_voc/1-16/labeled.txt only (662 labeled images
drawn from all 10,582 train_aug images); the unlabeled images are not used.
Written by tools/make_splits.py (seeded) or converted from a community list;
its split_meta.json names seed and source, and every result must name it
(README, "Data").
Batch: 4 GPUs x 4 labeled = 16 per iteration (the labeled half of the CW-BASS
row).
Iterations: 80 epochs over the unlabeled set (reference), the same for CW-BASS
and both baselines of this row:
  unlabeled = 10,582 - 662 = 9,920 images
  iterations per epoch = ceil(9,920 / 16) = 620
  max_iters = 80 x 620 = 49,600
  = 1199 passes over the 662 labeled images
  evaluation and checkpoint every 8 epochs = 4,960 iterations.
Train: bash tools/dist_train.sh <this file> 4 (repository root).
Protocol and every deviation from the reference:
configs/_base_/benchmarks/protocol_supervised_voc.py.
"""
_base_ = ['../_base_/benchmarks/supervised_deeplabv3plus_voc.py']

split = '1-16'
num_labeled = 662
num_unlabeled = 10582 - num_labeled  # 9,920
global_unlabeled_batch = 16  # 4 GPUs x 4, of the CW-BASS row
iters_per_epoch = -(-num_unlabeled // global_unlabeled_batch)  # ceil: 620
epochs = 80
max_iters = epochs * iters_per_epoch  # 49,600
eval_interval = epochs // 10 * iters_per_epoch  # 4,960

train_dataloader = dict(
    dataset=dict(ann_file='data/splits/pascal_voc/1-16/labeled.txt'))
train_cfg = dict(max_iters=max_iters, val_interval=eval_interval)
default_hooks = dict(checkpoint=dict(interval=eval_interval))

"""Supervised baseline | DeepLabv3+ ResNet-50-D8 | Pascal VOC, classic 183
labels.

Split list: data/splits/pascal_voc/183/labeled.txt only (183 labeled images
drawn from the 1,464 fine train images (1/8 of them); unlabeled: the rest of
train_aug); the unlabeled images are not used.
Written by tools/make_splits.py (seeded) or converted from a community list;
its split_meta.json names seed and source, and every result must name it
(README, "Data").
Batch: 4 GPUs x 4 labeled = 16 per iteration (the labeled half of the CW-BASS
row).
Iterations: 80 epochs over the unlabeled set (reference), the same for CW-BASS
and both baselines of this row:
  unlabeled = 10,582 - 183 = 10,399 images
  iterations per epoch = ceil(10,399 / 16) = 650
  max_iters = 80 x 650 = 52,000
  = 4546 passes over the 183 labeled images
  evaluation and checkpoint every 8 epochs = 5,200 iterations.
Train: bash tools/dist_train.sh <this file> 4 (repository root).
Protocol and every deviation from the reference:
configs/_base_/benchmarks/protocol_supervised_voc.py.
"""
_base_ = ['../_base_/benchmarks/supervised_deeplabv3plus_voc.py']

split = '183'
num_labeled = 183
num_unlabeled = 10582 - num_labeled  # 10,399
global_unlabeled_batch = 16  # 4 GPUs x 4, of the CW-BASS row
iters_per_epoch = -(-num_unlabeled // global_unlabeled_batch)  # ceil: 650
epochs = 80
max_iters = epochs * iters_per_epoch  # 52,000
eval_interval = epochs // 10 * iters_per_epoch  # 5,200

train_dataloader = dict(
    dataset=dict(ann_file='data/splits/pascal_voc/183/labeled.txt'))
train_cfg = dict(max_iters=max_iters, val_interval=eval_interval)
default_hooks = dict(checkpoint=dict(interval=eval_interval))

# Cityscapes, 1/16: 186 labeled images drawn from the 2,975 train images; the
# unlabeled images are the rest. The facts of this split, shared by its
# CW-BASS, Mean Teacher and supervised leaves (docs/data.md).
split = '1-16'
num_labeled = 186
num_unlabeled = 2975 - num_labeled  # 2,789
global_unlabeled_batch = 16  # 8 GPUs x 2 unlabeled images
iters_per_epoch = -(-num_unlabeled // global_unlabeled_batch)  # ceil: 175
epochs = 240
max_iters = epochs * iters_per_epoch  # 42,000
eval_interval = epochs // 10 * iters_per_epoch  # 4,200

# What a leaf merges into its method base's keys ({{_base_.x}} substitutes
# whole values, so each part is a value of its own).
split_cfg = dict(
    train_cfg=dict(max_iters=max_iters, val_interval=eval_interval),
    default_hooks=dict(checkpoint=dict(interval=eval_interval)),
    # semi-supervised leaves: unsupervised ramp-up over 5 epochs (875)
    semi_train_cfg=dict(rampup_iters=5 * iters_per_epoch),
    semi_dataset=dict(
        labeled=dict(ann_file='data/splits/cityscapes/1-16/labeled.txt'),
        unlabeled=dict(ann_file='data/splits/cityscapes/1-16/unlabeled.txt')),
    # supervised leaves: the labeled list only
    supervised_dataset=dict(
        ann_file='data/splits/cityscapes/1-16/labeled.txt'))

# Pascal VOC 2012, classic 366: 366 labeled images drawn from the 1,464 fine
# train images; the unlabeled images are the rest. The facts of this split,
# shared by its CW-BASS, Mean Teacher and supervised leaves (docs/data.md).
split = '366'
num_labeled = 366
num_unlabeled = 10582 - num_labeled  # 10,216
global_unlabeled_batch = 16  # 4 GPUs x 4 unlabeled images
iters_per_epoch = -(-num_unlabeled // global_unlabeled_batch)  # ceil: 639
epochs = 80
max_iters = epochs * iters_per_epoch  # 51,120
eval_interval = epochs // 10 * iters_per_epoch  # 5,112

# What a leaf merges into its method base's keys ({{_base_.x}} substitutes
# whole values, so each part is a value of its own).
split_cfg = dict(
    train_cfg=dict(max_iters=max_iters, val_interval=eval_interval),
    default_hooks=dict(checkpoint=dict(interval=eval_interval)),
    # semi-supervised leaves: unsupervised ramp-up over 5 epochs (3,195)
    semi_train_cfg=dict(rampup_iters=5 * iters_per_epoch),
    semi_dataset=dict(
        labeled=dict(ann_file='data/splits/pascal_voc/366/labeled.txt'),
        unlabeled=dict(ann_file='data/splits/pascal_voc/366/unlabeled.txt')),
    # supervised leaves: the labeled list only
    supervised_dataset=dict(
        ann_file='data/splits/pascal_voc/366/labeled.txt'))

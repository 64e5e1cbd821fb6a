# Pascal VOC 2012, blended 1/4: 2,646 labeled images drawn from all 10,582
# train_aug images; the unlabeled images are the rest. The facts of this
# split, shared by its CW-BASS, Mean Teacher and supervised leaves
# (docs/data.md).
split = '1-4'
num_labeled = 2646
num_unlabeled = 10582 - num_labeled  # 7,936
global_unlabeled_batch = 16  # 4 GPUs x 4 unlabeled images
iters_per_epoch = -(-num_unlabeled // global_unlabeled_batch)  # ceil: 496
epochs = 80
max_iters = epochs * iters_per_epoch  # 39,680
eval_interval = epochs // 10 * iters_per_epoch  # 3,968

# What a leaf merges into its method base's keys ({{_base_.x}} substitutes
# whole values, so each part is a value of its own).
split_cfg = dict(
    train_cfg=dict(max_iters=max_iters, val_interval=eval_interval),
    default_hooks=dict(checkpoint=dict(interval=eval_interval)),
    # semi-supervised leaves: unsupervised ramp-up over 5 epochs (2,480)
    semi_train_cfg=dict(rampup_iters=5 * iters_per_epoch),
    semi_dataset=dict(
        labeled=dict(ann_file='data/splits/pascal_voc/1-4/labeled.txt'),
        unlabeled=dict(ann_file='data/splits/pascal_voc/1-4/unlabeled.txt')),
    # supervised leaves: the labeled list only
    supervised_dataset=dict(
        ann_file='data/splits/pascal_voc/1-4/labeled.txt'))

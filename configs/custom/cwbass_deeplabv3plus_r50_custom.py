"""CW-BASS, DeepLabv3+ R50-D8, your own dataset: a template to copy and edit.

docs/custom_dataset.md. The data, classes,
crop and split come from the dataset base (a copy of
configs/_base_/datasets/semi_custom.py); this file takes the method base and
sets the learning rate and the length of training.
"""
_base_ = [
    '../_base_/methods/cwbass_deeplabv3plus_r50-d8.py',
    '../_base_/datasets/semi_custom.py',
]

model = dict(
    # the dataset's crop size and classes
    segmentor={{_base_.segmentor_data_cfg}},
    # ramp-up of the unsupervised weight (the reference: 5 epochs)
    semi_train_cfg=dict(rampup_iters=1000))

# The reference's lr for 16 labeled + 16 unlabeled images per iteration
# (decode head x10, poly); scale it with your global batch.
optim_wrapper = dict(optimizer=dict(lr=0.001))
# Length of training and evaluation interval (the reference: 80 epochs over
# the unlabeled images, evaluation every tenth of the run).
train_cfg = dict(max_iters=20000, val_interval=2000)
default_hooks = dict(checkpoint=dict(interval=2000))

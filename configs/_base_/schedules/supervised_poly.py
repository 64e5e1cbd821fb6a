# The schedule of ./semi_poly.py (SGD, head x10, poly 0.9, checkpoints) for a
# plain mmseg segmentor trained on labeled data only: mmseg's own iteration
# and validation loops (no teacher) and the best checkpoint by its mIoU.
_base_ = ['./semi_poly.py']

train_cfg = dict(type='IterBasedTrainLoop')
val_cfg = dict(_delete_=True, type='ValLoop')
default_hooks = dict(checkpoint=dict(save_best='mIoU'))

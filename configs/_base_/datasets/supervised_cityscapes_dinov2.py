# supervised_cityscapes.py at the DINOv2 crop: the labeled list of a split,
# the 798x798 augmentation of semi_cityscapes_dinov2.py packed for a plain
# segmentor, one loader, no unlabeled data.
_base_ = ['./semi_cityscapes_dinov2.py']

train_pipeline = _base_.labeled_pipeline[:-1] + [dict(type='PackSegInputs')]
train_dataloader = dict(
    _delete_=True,
    batch_size={{_base_.labeled_per_gpu}},
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(_base_.train_dataloader.dataset.labeled,
                 pipeline=train_pipeline))

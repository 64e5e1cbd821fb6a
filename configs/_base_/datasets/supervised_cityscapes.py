# Supervised-only Cityscapes on the LABELED list of a semi-supervised
# split (data/splits/cityscapes/<split>/labeled.txt): the labeled dataset,
# crop and augmentation of semi_cityscapes.py packed for a plain segmentor,
# one loader, no unlabeled data. Evaluation: whole 2048x1024 image.
_base_ = ['./semi_cityscapes.py']

train_pipeline = _base_.labeled_pipeline[:-1] + [dict(type='PackSegInputs')]
train_dataloader = dict(
    _delete_=True,
    batch_size={{_base_.labeled_per_gpu}},
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(_base_.train_dataloader.dataset.labeled,
                 pipeline=train_pipeline))

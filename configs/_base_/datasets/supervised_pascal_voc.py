# Supervised-only Pascal VOC 2012 on the LABELED list of a semi-supervised
# split (data/splits/pascal_voc/<split>/labeled.txt): the labeled dataset,
# crop and augmentation of semi_pascal_voc.py packed for a plain segmentor,
# one loader, no unlabeled data. Masks of every labeled id are read from
# SegmentationClassAug (tools/dataset_converters/prepare_voc_aug.py puts the
# 1,464 fine masks there). Evaluation: whole image at its original size,
# single scale.
_base_ = ['./semi_pascal_voc.py']

train_pipeline = _base_.labeled_pipeline[:-1] + [dict(type='PackSegInputs')]
train_dataloader = dict(
    _delete_=True,
    batch_size={{_base_.labeled_per_gpu}},
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(_base_.train_dataloader.dataset.labeled,
                 pipeline=train_pipeline))

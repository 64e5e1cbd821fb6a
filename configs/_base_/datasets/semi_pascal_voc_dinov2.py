# semi_pascal_voc.py at the DINOv2 protocol's crop: 518x518 (37 x 37
# patches of 14, UniMatch V2's Pascal crop and DINOv2's pretraining size,
# so the position embeddings are used as trained). Resize, flip, branches,
# lists and evaluation are those of semi_pascal_voc.py.
_base_ = ['./semi_pascal_voc.py']

crop_size = (518, 518)
segmentor_data_cfg = dict(
    data_preprocessor=dict(size=crop_size),
    decode_head=dict(num_classes=_base_.num_classes))
weak_augmentation = [
    _base_.weak_augmentation[0],
    dict(type='RandomCrop', crop_size=crop_size),
    _base_.weak_augmentation[2],
]
# Same transforms around the weak view as the base.
labeled_pipeline = _base_.labeled_pipeline[:3] + weak_augmentation + \
    _base_.labeled_pipeline[-1:]
unlabeled_pipeline = _base_.unlabeled_pipeline[:2] + weak_augmentation + \
    _base_.unlabeled_pipeline[-1:]
train_dataloader = dict(
    dataset=dict(
        labeled=dict(pipeline=labeled_pipeline),
        unlabeled=dict(pipeline=unlabeled_pipeline)))
# The base's strong-view pipelines (FixMatch, UniMatch V2, CW-BASS on
# strong views; docs/methods.md) at this crop.
strong_pipelines = {
    views: {
        part: [
            dict(t, crop_size=crop_size) if t['type'] == 'RandomCrop' else t
            for t in pipeline
        ]
        for part, pipeline in parts.items()
    }
    for views, parts in _base_.strong_pipelines.items()
}

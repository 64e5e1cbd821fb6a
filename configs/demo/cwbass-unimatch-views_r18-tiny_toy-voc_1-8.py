"""CW-BASS on UniMatch V2's strong views: a row of the toy bench.

``./cwbass_r18-tiny_toy-voc_1-8.py`` (the paper's CW-BASS options, EMA and
ramp-up of the toy demo) with the student on UniMatch V2's two strong views
and its complementary channel dropout, the same views as
``./unimatch_v2_r18-tiny_toy-voc_1-8.py`` (docs/methods.md).
"""
_base_ = ['./cwbass_r18-tiny_toy-voc_1-8.py']

# The weak view of the CW-BASS demo ending in the two-strong-view
# branches of the dataset base (strong_pipelines; the view is strong_view of
# configs/_base_/datasets/strong_views.py, docs/methods.md).
labeled_pipeline = _base_.labeled_pipeline[:-1] + \
    _base_.strong_pipelines.two_views.labeled[-1:]
unlabeled_pipeline = _base_.unlabeled_pipeline[:-1] + \
    _base_.strong_pipelines.two_views.unlabeled[-1:]
train_dataloader = dict(
    dataset=dict(
        labeled=dict(pipeline=labeled_pipeline),
        unlabeled=dict(pipeline=unlabeled_pipeline)))
model = dict(
    semi_train_cfg=dict(
        strong_views=2, channel_dropout=True, cutmix_partner='reverse',
        concat_student_forward=False))

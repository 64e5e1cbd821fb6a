"""CW-BASS on UniMatch V2's strong views: step benchmark.

The CW-BASS benchmark (cwbass_r18_128x128_2+2.py) with the student on two
strong views and complementary channel dropout: (b) of the report is a
supervised step on 2 + 2 x 2 images. docs/methods.md.
"""
_base_ = ['./cwbass_r18_128x128_2+2.py']

# The weak view of the CW-BASS benchmark ending in the two-strong-view
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

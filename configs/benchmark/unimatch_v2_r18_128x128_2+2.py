"""UniMatch V2 step benchmark: the model and batch of the FixMatch one.

Two strong views through the student in one forward (separate from the
labeled one) and complementary channel dropout: the student runs on 2
labeled + 2 x 2 strong images, so (b) of the report is a supervised step on
6 images (each strong view is one more student batch). docs/methods.md.
"""
_base_ = ['./fixmatch_r18_128x128_2+2.py']

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
model = dict(type='UniMatchV2Segmentor')

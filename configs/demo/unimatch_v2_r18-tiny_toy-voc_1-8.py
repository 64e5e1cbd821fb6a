"""UniMatch V2 row of the toy bench (``tools/misc/demo.py --bench``).

``./fixmatch_r18-tiny_toy-voc_1-8.py`` (network, data, schedule, EMA,
threshold) with UniMatch V2's two strong views through the student in one
forward and its complementary channel dropout; loss
(L_sup + (L_s1 + L_s2) / 2) / 2 (docs/methods.md).
"""
_base_ = ['./fixmatch_r18-tiny_toy-voc_1-8.py']

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
model = dict(type='UniMatchV2Segmentor')

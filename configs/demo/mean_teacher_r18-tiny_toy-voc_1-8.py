"""Mean Teacher baseline of the demo bench (``tools/misc/demo.py --bench``).

Everything but the method is ``configs/demo/cwbass_r18-tiny_toy-voc_1-8.py``
(inherited): network, split, crops, batch (4 labeled + 4 unlabeled), the
same weak view for teacher and student, schedule, teacher EMA momentum and
ramp-up. The method: a fixed confidence threshold of 0.95 and the head's
own cross-entropy on the pseudo-labels (``MeanTeacherSegmentor``), i.e. no
confidence weighting, no dynamic threshold and no boundary term (so none
of their hooks). The boundary-aware head is kept for identical inference;
without its learned branch it adds nothing to the loss Mean Teacher calls
(its plain cross-entropy).
"""
_base_ = ['./cwbass_r18-tiny_toy-voc_1-8.py']

model = dict(
    _delete_=True,
    type='MeanTeacherSegmentor',
    pseudo_threshold=0.95,
    segmentor={{_base_.model.segmentor}},
    semi_train_cfg={{_base_.model.semi_train_cfg}},
    semi_test_cfg=dict(predict_on='teacher'))
custom_hooks = [
    dict(
        type='MeanTeacherHook', momentum={{_base_.ema_momentum}},
        buffer_policy='copy'),
    dict(type='RandomStateHook'),
    dict(type='PseudoLabelVisualizationHook', interval=500, max_images=4),
]

# FixMatch on mmseg's DeepLabv3+ R50-D8 for any dataset, as UniMatch V2's
# fixmatch.py defines it (docs/methods.md): EMA teacher on the weak view,
# threshold >= 0.95, CE on ONE CutMixed strong view over the confident
# pixels / count of valid pixels, total (L_sup + L_u) / 2, no ramp-up; one
# student forward of labeled + strong images (its torch.cat). The schedule
# and runtime are those of the CW-BASS configs (shared protocol); the EMA
# follows UniMatch V2's code.
_base_ = [
    '../models/semi_deeplabv3plus_r50-d8.py',
    '../schedules/semi_poly.py',
    '../default_runtime_semi.py',
]

model = dict(
    type='FixMatchSegmentor',
    pseudo_threshold=0.95,
    semi_train_cfg=dict(
        sup_weight=0.5,
        unsup_weight=0.5,
        rampup_iters=0,
        strong_views=1,
        cutmix_partner='reverse',
        concat_student_forward=True),
    segmentor=dict(
        auxiliary_head=None,
        decode_head=dict(
            loss_decode=dict(
                _delete_=True, type='GlobalCrossEntropyLoss',
                loss_weight=1.0))))
# UniMatch V2's EMA: decay min(1 - 1 / (iter + 1), 0.996) on parameters and
# buffers.
custom_hooks = [
    dict(
        type='MeanTeacherHook',
        momentum=0.004,
        momentum_schedule='inverse',
        buffer_policy='ema'),
    dict(type='RandomStateHook'),
    dict(type='PseudoLabelVisualizationHook', interval=1000, max_images=4),
]

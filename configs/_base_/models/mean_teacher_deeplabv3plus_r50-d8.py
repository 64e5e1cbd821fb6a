# Plain Mean Teacher baseline on mmseg's DeepLabv3+ R50-D8 (fixed confidence
# threshold, the head's own CE on pseudo-labels). The same supervised CE as
# CW-BASS: mean over the non-ignored pixels of the global batch.
_base_ = ['./semi_deeplabv3plus_r50-d8.py']

model = dict(
    type='MeanTeacherSegmentor',
    pseudo_threshold=0.95,
    segmentor=dict(
        auxiliary_head=None,
        decode_head=dict(
            loss_decode=dict(
                _delete_=True, type='GlobalCrossEntropyLoss',
                loss_weight=1.0))))

# mmseg's own SegFormer MiT-b0 model with the MiT-b0 ImageNet weights of
# mmseg's SegFormer configs and the reference's supervised cross-entropy
# (mean over the non-ignored pixels of the global batch), as every method
# of the SegFormer row uses it.
_base_ = ['mmseg::_base_/models/segformer_mit-b0.py']

mit_b0_checkpoint = ('https://download.openmmlab.com/mmsegmentation/v0.5/'
                     'pretrain/segformer/mit_b0_20220624-7e0fe6dd.pth')
model = dict(
    backbone=dict(
        init_cfg=dict(type='Pretrained', checkpoint=mit_b0_checkpoint)),
    decode_head=dict(
        loss_decode=dict(
            _delete_=True, type='GlobalCrossEntropyLoss', loss_weight=1.0)))

# DINOv2 ViT-B/14 (mmseg_cwbass's DINOv2 backbone) + mmseg's DPTHead as one
# plain EncoderDecoder, as the variable dinov2_b_dpt: the model of UniMatch
# V2 (Yang et al., TPAMI 2025):
# blocks 2/5/8/11 through the final LayerNorm, a DPT head with 128 fusion
# channels and 96/192/384/768 reassembled channels, the class token
# ignored. The supervised loss is the reference's cross-entropy (mean over
# the non-ignored pixels of the global batch). Reused by every method: the
# wrappers (cwbass_/mean_teacher_dinov2-b_dpt.py) take it as `segmentor`.
# The backbone weights are an official DINOv2 checkpoint converted with
# tools/model_converters/dinov2_to_mmseg.py (docs/dinov2.md); the -reg
# checkpoints need backbone.num_register_tokens=4.
# Only variables of its own (dinov2_*), so a method base of another model
# can inherit it and swap its segmentor for this one:
# model=dict(segmentor=dict(_delete_=True, **_base_.dinov2_b_dpt)).
dinov2_checkpoint = 'pretrained/dinov2_vitb14_mmseg.pth'
dinov2_data_preprocessor = dict(
    type='SegDataPreProcessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    bgr_to_rgb=True,
    pad_val=0,
    seg_pad_val=255)
dinov2_b_dpt = dict(
    type='EncoderDecoder',
    data_preprocessor=dinov2_data_preprocessor,
    pretrained=None,
    backbone=dict(
        type='DINOv2',
        arch='b',
        num_register_tokens=0,
        out_indices=(2, 5, 8, 11),
        # True: activation checkpointing, less memory (docs/dinov2.md)
        with_cp=False,
        init_cfg=dict(type='Pretrained', checkpoint=dinov2_checkpoint)),
    decode_head=dict(
        type='DPTHead',
        in_channels=(768, 768, 768, 768),
        channels=128,
        embed_dims=768,
        post_process_channels=[96, 192, 384, 768],
        readout_type='ignore',
        patch_size=14,
        in_index=(0, 1, 2, 3),
        input_transform='multiple_select',
        num_classes=21,
        norm_cfg=dict(type='SyncBN', requires_grad=True),
        align_corners=False,
        loss_decode=dict(type='GlobalCrossEntropyLoss', loss_weight=1.0)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))

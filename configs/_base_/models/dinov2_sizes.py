# The ViT-S/14 and ViT-L/14 variants of dinov2-b_dpt.py, as overrides of its
# segmentor (UniMatch V2's sizes: DPT fusion channels 64 / 256, reassembled
# channels 48-384 / 256-1024; L takes blocks 4/11/17/23). A leaf merges one
# into its segmentor: model=dict(segmentor={{_base_.dinov2_s_dpt}}) (or
# model={{...}} for the supervised EncoderDecoder).
dinov2_s_dpt = dict(
    backbone=dict(
        arch='s',
        out_indices=(2, 5, 8, 11),
        init_cfg=dict(checkpoint='pretrained/dinov2_vits14_mmseg.pth')),
    decode_head=dict(
        in_channels=(384, 384, 384, 384),
        channels=64,
        embed_dims=384,
        post_process_channels=[48, 96, 192, 384]))
dinov2_l_dpt = dict(
    backbone=dict(
        arch='l',
        out_indices=(4, 11, 17, 23),
        init_cfg=dict(checkpoint='pretrained/dinov2_vitl14_mmseg.pth')),
    decode_head=dict(
        in_channels=(1024, 1024, 1024, 1024),
        channels=256,
        embed_dims=1024,
        post_process_channels=[256, 512, 1024, 1024]))

"""CW-BASS on UniMatch V2's strong views, DeepLabv3+ R50-D8, Cityscapes.

Base of configs/cwbass_strong/deeplabv3plus_r101_cityscapes_*.py: the CW-BASS
row (configs/_base_/benchmarks/cwbass_deeplabv3plus_cityscapes.py, the paper's
options and protocol) with the student on UniMatch V2's two strong views
(strong_pipelines of the dataset base) and its complementary channel dropout:
the CW-BASS terms (confidence weighting, dynamic threshold, boundary band,
decay) over both views' pixels together. docs/methods.md.
"""
_base_ = ['./cwbass_deeplabv3plus_cityscapes.py']

model = dict(
    semi_train_cfg=dict(
        strong_views=2, channel_dropout=True, cutmix_partner='reverse'))
train_dataloader = dict(
    dataset=dict(
        labeled=dict(pipeline={{_base_.strong_pipelines.two_views.labeled}}),
        unlabeled=dict(
            pipeline={{_base_.strong_pipelines.two_views.unlabeled}})))

# UniMatch V2 on mmseg's DeepLabv3+ R50-D8 for any dataset, as its public
# code defines it (docs/methods.md): FixMatch's EMA teacher and threshold,
# TWO strong views through the student in one forward (separate from the
# labeled one), complementary channel dropout on the backbone features,
# loss (L_sup + (L_s1 + L_s2) / 2) / 2.
_base_ = ['./fixmatch_deeplabv3plus_r50-d8.py']

model = dict(
    type='UniMatchV2Segmentor',
    semi_train_cfg=dict(
        strong_views=2, channel_dropout=True, concat_student_forward=False))

# What every semi-supervised dataset base with strong views shares (inherited
# by semi_pascal_voc.py and semi_cityscapes.py): the branches of a sample and
# UniMatch V2's strong student view (FixMatch, UniMatch V2, CW-BASS on strong
# views; docs/methods.md).
branch_field = ['sup', 'unsup_teacher', 'unsup_student']
two_view_branch_field = branch_field + ['unsup_student2']
# UniMatch V2's perturbations of each view (its dataset/semi.py), applied
# after the shared weak view, so every view stays pixel-aligned with the
# teacher's. The segmentor pastes the CutMix partner (the batch in reverse
# order) into each view's box after the teacher has labelled the weak view.
strong_view = [
    dict(
        type='RandomColorJitter',
        brightness=0.5,
        contrast=0.5,
        saturation=0.5,
        hue=0.25,
        prob=0.8),
    # torchvision's RandomGrayscale (luma weights, three channels kept)
    dict(
        type='RandomGrayscale',
        prob=0.2,
        keep_channels=True,
        channel_weights=(0.114, 0.587, 0.299)),
    dict(type='RandomGaussianBlur', prob=0.5, sigma=(0.1, 2.0)),
    dict(type='RandomCutMixBox', prob=0.5, area=(0.02, 0.4),
         aspect=(0.3, 1 / 0.3)),
    dict(type='PackSemiSegInputs'),
]

"""CW-BASS on mmseg's DeepLabv3+ ResNet-50-D8, Pascal VOC 2012 protocol.

Base of configs/cwbass/deeplabv3plus_r50_voc_*.py (the R101 leaves inherit
their R50 sibling and set the depth and weights). Protocol and deviations
from the reference: configs/_base_/benchmarks/protocol_semi_voc.py.
CW-BASS options (dynamic threshold, confidence-weighted loss, band CE on the
pseudo-labels): configs/_base_/models/cwbass_deeplabv3plus_r50-d8.py.
"""
_base_ = [
    '../methods/cwbass_deeplabv3plus_r50-d8.py',
    './protocol_semi_voc.py',
]

# The protocol's crop, classes and learning rate.
model = dict(segmentor={{_base_.segmentor_data_cfg}})
optim_wrapper = dict(optimizer=dict(lr={{_base_.lr}}))

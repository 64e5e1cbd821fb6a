"""CW-BASS on mmseg's SegFormer MiT-b0, Pascal VOC 2012 (backbone mixing).

Base of configs/cwbass/segformer_mit-b0_voc_*.py. Data, batch (4 GPUs x
(4 + 4)), iterations and evaluation: the VOC reference protocol of
configs/_base_/benchmarks/protocol_semi_voc.py. The model is mmseg's own
SegFormer (mmseg::_base_/models/segformer_mit-b0.py) with the MiT-b0
ImageNet weights of mmseg's SegFormer configs; the head is not
boundary-aware, so the wrapper's boundary_loss (band CE, weight 0.5) gives
the boundary term (configs/_base_/models/cwbass_segformer_mit-b0.py).
Deviations beyond protocol_semi_voc.py: a transformer backbone and mmseg's
SegFormer optimizer recipe (configs/_base_/schedules/segformer_adamw.py;
the reference only has DeepLabv3+ ResNets).
"""
_base_ = [
    '../methods/cwbass_segformer_mit-b0.py',
    './protocol_semi_voc.py',
]

# The protocol's crop and classes; the optimizer is the SegFormer recipe.
model = dict(segmentor={{_base_.segmentor_data_cfg}})
# Documentary: the SegFormer recipe's lr, not the protocol's SGD lr.
lr = {{_base_.segformer_optim_wrapper.optimizer.lr}}

"""Mean Teacher baseline on mmseg's SegFormer MiT-b0, Pascal VOC 2012.

Base of configs/baselines/mean_teacher_segformer_mit-b0_voc_*.py: the same
model, data, schedule and optimizer recipe as
configs/_base_/benchmarks/cwbass_segformer_mit-b0_voc.py, with a fixed
confidence threshold (0.95) and the head's own cross-entropy on
pseudo-labels.
"""
_base_ = [
    '../methods/mean_teacher_segformer_mit-b0.py',
    './protocol_semi_voc.py',
]

# The protocol's crop and classes; the optimizer is the SegFormer recipe.
model = dict(segmentor={{_base_.segmentor_data_cfg}})
# Documentary: the SegFormer recipe's lr, not the protocol's SGD lr.
lr = {{_base_.segformer_optim_wrapper.optimizer.lr}}

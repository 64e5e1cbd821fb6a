"""DINOv2 protocol of CW-BASS on Cityscapes, semi-supervised part.

Shared by configs/cwbass/dinov2-*_cityscapes_*.py and
configs/baselines/mean_teacher_dinov2-*_cityscapes_*.py. What comes from
UniMatch V2 and what from the reference: protocol_dinov2_semi_voc.py,
with these Cityscapes values:

* 798x798 crops (57 x 57 patches; position embeddings interpolated from
  the 37 x 37 grid as the official checkpoints do);
* 180 epochs over the unlabeled set (max_iters = 180 x
  ceil(|unlabeled| / 16)), ten evaluations (every 18 epochs);
* sliding-window evaluation, 798x798 windows with stride 532 (2/3 of the
  window), as UniMatch V2 evaluates Cityscapes;
* kept from protocol_semi_cityscapes.py: the split lists, 8 GPUs x (2 + 2)
  images per iteration, long side 2048 x [0.5, 2.0] and flip.
"""
_base_ = ['../datasets/semi_cityscapes_dinov2.py']

segmentor_data_cfg = dict(
    _base_.segmentor_data_cfg,
    test_cfg=dict(mode='slide', crop_size=(798, 798), stride=(532, 532)))
num_gpus = 8
dinov2_epochs = 180
auto_scale_lr = dict(enable=False, base_batch_size=32)

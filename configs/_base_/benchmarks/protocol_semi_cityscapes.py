"""Reference protocol of CW-BASS on Cityscapes, semi-supervised part.

Shared by every configs/cwbass/*_cityscapes_*.py and
configs/baselines/mean_teacher_*_cityscapes_*.py (through the method bases
of this folder). The split bases (configs/_base_/splits) hold the split
and the iterations; leaves merge them in and set the backbone.

Kept from the reference (method.md and the official code):

* 16 labeled + 16 unlabeled images per iteration (here 8 GPUs x (2 + 2)),
  SGD momentum 0.9, weight decay 1e-4, lr 0.004 for the backbone (the code's
  Cityscapes default at batch 16) and 10x for the decode head, poly 0.9 per
  iteration down to 0;
* 240 epochs over the unlabeled set converted to iterations:
  max_iters = 240 x ceil(|unlabeled| / 16) (shown by the split bases);
  linear ramp of the unsupervised weight over the first 5 epochs;
* 721x721 crops after a random rescale of the long side to
  2048 x [0.5, 2.0] and a horizontal flip; the same weak view for teacher
  and student;
* teacher = EMA of the student (momentum 0.999), buffers copied;
* evaluation on the 500 val images, whole 2048x1024 image, single scale.

Deviations: items 1-9 of configs/_base_/benchmarks/protocol_semi_voc.py
apply here too (ResNetV1c deep stem and open-mmlab ImageNet weights; mmseg's
depthwise-separable 512-channel DeepLabv3+ head; padding after
normalisation; SyncBN; ceil instead of the loaders' floor for the
iterations per epoch; MultiSourceSampler; evaluation every 24 epochs here,
teacher and student). Specific to Cityscapes:

* Crop 721 is the code's default; the reference yaml says 801 (its yaml also
  says batch 8, lr 0.001 and an OHEM criterion that main.py never builds:
  the code trains with plain cross-entropy, as here). For the yaml's crop,
  restate the pipelines with crop_size=(801, 801) (see the demo config for
  how pipelines are restated).
* 1/2 split: 1,488 labeled and 1,487 unlabeled images; the reference's epoch
  is the longer loader, ceil(1,488 / 16) = ceil(1,487 / 16) = 93 either way.
* Whole-image evaluation of 2048x1024 images at output stride 8 needs a lot
  of GPU memory; ``model.segmentor.test_cfg=dict(mode='slide',
  crop_size=(721, 721), stride=(481, 481))`` evaluates in windows instead
  (not what the reference does).
"""
# The data of the protocol; the method bases (../methods) bring the model,
# the schedule (poly 0.9 to train_cfg.max_iters) and the runtime, and the
# benchmark bases of this folder put this lr into the optimizer.
_base_ = ['../datasets/semi_cityscapes.py']

# Documentary: the iteration arithmetic of the split bases assumes this many
# GPUs with the per-GPU batch of the dataset base (2 labeled + 2 unlabeled).
num_gpus = 8
lr = 0.004
# Scaled mode on other GPU counts (tools/train.py --auto-scale-lr): the LR
# scales with the real images per step against the protocol's 8 GPUs x (2 + 2).
auto_scale_lr = dict(enable=False, base_batch_size=32)

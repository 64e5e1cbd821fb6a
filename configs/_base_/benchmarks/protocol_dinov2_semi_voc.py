"""DINOv2 protocol of CW-BASS on Pascal VOC 2012, semi-supervised part.

Shared by configs/cwbass/dinov2-*_voc_*.py and
configs/baselines/mean_teacher_dinov2-*_voc_*.py (through the DINOv2
benchmark bases of this folder). CW-BASS's paper and code have no recipe
for a foundation backbone, so these configs take UniMatch V2's (Yang et
al., "UniMatch V2: Pushing the Limit of Semi-Supervised Semantic
Segmentation", TPAMI 2025; DINOv2 ViT-B/14 + DPT) where the CW-BASS
reference has none, and the reference protocol (protocol_semi_voc.py)
everywhere else.

From UniMatch V2:

* 518x518 crops (37 x 37 patches: DINOv2's pretraining grid);
* 60 epochs over the unlabeled set: the leaves set
  max_iters = 60 x ceil(|unlabeled| / 16) from their split base's
  iters_per_epoch, ten evaluations (every 6 epochs);
* AdamW, lr 5e-6 on the backbone and 40x on the DPT head, weight decay
  0.01, poly 0.9 (configs/_base_/schedules/dinov2_adamw.py);
* fp32. CW-BASS-v2 trains DINOv2-B in bf16: merge
  ``optim_wrapper=dict(type='AmpOptimWrapper', dtype='bfloat16')``
  (docs/dinov2.md). Layer-wise lr decay and activation checkpointing are
  options too (docs/dinov2.md).

Kept from protocol_semi_voc.py: the split lists, 4 GPUs x (4 + 4) images
per iteration, long side 400 x [0.5, 2.0] and flip, the same weak view
for teacher and student, the EMA teacher (0.999), the 5-epoch ramp of the
unsupervised weight, the supervised CE over non-ignored pixels, and
evaluation on the whole image, single scale: the backbone resizes an
image to the nearest multiple of 14 and the logits come back to its size
(as UniMatch V2 evaluates). Not taken from UniMatch V2: its strong
augmentations, CutMix and feature dropout (they are its method, not the
backbone's recipe), and its loader arithmetic (the split bases' ceil).
"""
_base_ = ['../datasets/semi_pascal_voc_dinov2.py']

# Documentary: the iteration arithmetic of the split bases assumes this many
# GPUs with the per-GPU batch of the dataset base (4 labeled + 4 unlabeled).
num_gpus = 4
dinov2_epochs = 60
# Scaled mode on other GPU counts (tools/train.py --auto-scale-lr).
auto_scale_lr = dict(enable=False, base_batch_size=32)

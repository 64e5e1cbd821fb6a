"""Reference protocol of CW-BASS on Pascal VOC 2012, semi-supervised part.

Shared by every configs/cwbass/*_voc_*.py and
configs/baselines/mean_teacher_*_voc_*.py (through the benchmark bases of
this folder, which add a method base of configs/_base_/methods). The split
bases (configs/_base_/splits) hold the lists and the iterations; the
leaves combine a benchmark base and a split base and set the backbone.

What the reference (method.md and the official code, ST++ lineage) does and
this protocol keeps:

* 16 labeled + 16 unlabeled images per iteration (here 4 GPUs x (4 + 4)),
  SGD momentum 0.9, weight decay 1e-4, lr 0.001 for the backbone and 10x for
  the decode head, poly 0.9 per iteration down to 0;
* 80 epochs over the unlabeled set converted to iterations:
  max_iters = 80 x ceil(|unlabeled| / 16) (the split bases and
  docs/training.md show the arithmetic);
  linear ramp of the unsupervised weight over the first 5 epochs;
* 321x321 crops after a random rescale of the long side to 400 x [0.5, 2.0]
  and a horizontal flip; teacher and student see the same weak view of an
  unlabeled image (no strong augmentation, no CutMix);
* teacher = EMA of the student (momentum 0.999), buffers copied;
* evaluation on the 1,449 val images, whole image, single scale.

Deviations from the reference (every one is deliberate; the mmseg way is
used where it changes nothing essential):

1. Backbone: mmseg's ResNetV1c-D8 (deep stem of three 3x3 convs with
   32-32-64 channels; output stride 8 by dilations 2/4 in stages 3/4) with
   mmseg's ImageNet weights ``open-mmlab://resnet{50,101}_v1c``. The
   reference uses a torchvision-layout ResNet (one 7x7 stem conv) with its
   own ImageNet weights (pretrained/resnet{50,101}.pth). mmseg's closest
   equivalent is ``type='ResNet'`` with ``torchvision://resnet101`` (its
   deeplabv3plus_r101b-d8 configs; needs an importable torchvision).
2. Head: mmseg's DepthwiseSeparableASPPHead (through BoundaryAwareASPPHead,
   whose inference is identical): 512 channels, depthwise-separable 3x3
   convs in the dilated ASPP branches and in both decoder convs, a 3x3 ASPP
   projection, align_corners=False. The reference head has 256 channels
   (2048 / 8), regular convs, a 1x1 projection with Dropout2d(0.5) and
   align_corners=True. Kept: ASPP rates 12/24/36 + image pooling, 48-channel
   low-level projection, dropout 0.1 before the classifier, no auxiliary
   head.
3. Resize: mmseg's RandomResize(scale=(400, 400), ratio_range=(0.5, 2.0),
   keep_ratio=True) scales the long side to 400 x r, i.e. the reference's
   long-side resize. Crops smaller than 321 are padded by the data
   preprocessor AFTER normalisation (image 0 = mean colour, mask 255); the
   reference pads the raw image with 0 (black) and the mask with 255.
4. Batch norm: SyncBN over all GPUs of the global batch (mmseg default). The
   reference runs plain BatchNorm under DataParallel (statistics of each
   GPU's chunk). Student forward: two separate passes (labeled, unlabeled)
   as the reference does (``concat_student_forward=False``).
5. Iterations: ceil(|unlabeled| / 16) per epoch. The reference's loaders drop
   the last incomplete batch and an epoch is max(len(labeled loader),
   len(unlabeled loader)) = floor(|unlabeled| / 16): one iteration per epoch
   more here (< 0.3%).
6. Batch composition: MultiSourceSampler draws 4 labeled + 4 unlabeled
   images per GPU from two shuffled streams; the reference cycles two
   DataLoaders. Not a deviation: the dynamic threshold's batch mean is the
   mean over the global 16 unlabeled images, and every loss divides by the
   pixel counts of the global batch (summed over the ranks), as the
   reference's DataParallel does; the supervised CE is the mean over the
   non-ignored pixels (GlobalCrossEntropyLoss; mmseg's default would divide
   by every pixel, 255 borders and padding included).
7. Evaluation: every 8 epochs (10 evaluations), teacher and student both
   (``teacher/mIoU``, ``student/mIoU``); the best checkpoint is chosen on the
   teacher. The reference evaluates the student after every epoch and
   reports its best epoch: pass ``train_cfg.val_interval=<iterations per
   epoch>`` (and the same ``default_hooks.checkpoint.interval``) to do the
   same; tools/summarize.py prints best and last of both.
8. Padding and the boundary band: padding pixels of small crops are never
   pseudo-labelled (ignored), and the band treats the junction with the
   padding like the crop border: marked with the reference's zero padding,
   not marked with padding='replicate'. The reference predicts on the padded
   black pixels too.
9. Threshold and decay as hooks: DynamicThresholdHook and
   ConfidenceDecayHook sit in custom_hooks. With the reference's
   statistic='batch_mean' nothing changes; the paper's class_ema option is
   updated after each optimizer step (a one-iteration lag).
10. Masks: every train_aug mask is read from ``SegmentationClassAug`` (SBD
   masks from mmseg's voc_aug.py converter, plus the 1,464 fine VOC masks
   put there by tools/prepare_voc_aug.py); the reference reads one merged
   mask folder distributed with ST++. Val masks: ``SegmentationClass``.
"""
# The data of the protocol; the method bases (../methods) bring the model,
# the schedule (poly 0.9 to train_cfg.max_iters) and the runtime, and the
# benchmark bases of this folder put this lr into the optimizer.
_base_ = ['../datasets/semi_pascal_voc.py']

# Documentary: the iteration arithmetic of the split bases assumes this many
# GPUs with the per-GPU batch of the dataset base (4 labeled + 4 unlabeled).
num_gpus = 4
lr = 0.001
# Scaled mode on other GPU counts (tools/train.py --auto-scale-lr): the LR
# scales with the real images per step against the protocol's 4 GPUs x (4 + 4).
auto_scale_lr = dict(enable=False, base_batch_size=32)

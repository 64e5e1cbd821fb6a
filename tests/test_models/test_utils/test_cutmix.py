import torch

from mmseg_cwbass.models.utils import cutmix_batch


def test_cutmix_moves_pixels_labels_and_confidence_together():
    torch.manual_seed(0)
    inputs = torch.arange(2 * 3 * 8 * 8, dtype=torch.float).view(2, 3, 8, 8)
    label = torch.stack([torch.zeros(8, 8), torch.ones(8, 8)]).long()
    confidence = label.float() * 0.5 + 0.2
    valid = torch.ones(2, 8, 8, dtype=torch.bool)
    mixed, (mixed_label, mixed_confidence, _) = cutmix_batch(
        inputs, (label, confidence, valid), prob=1.0)
    for i in range(2):
        box = mixed_label[i] != label[i]
        assert 0.05 * 64 <= box.sum() <= 0.6 * 64
        other = 1 - i
        assert torch.equal(mixed[i][:, box], inputs[other][:, box])
        assert torch.equal(mixed[i][:, ~box], inputs[i][:, ~box])
        assert torch.allclose(mixed_confidence[i][box],
                              confidence[other][box])


def test_no_mixing_at_probability_zero_or_single_image():
    inputs = torch.rand(2, 3, 8, 8)
    label = torch.zeros(2, 8, 8, dtype=torch.long)
    mixed, (same, ) = cutmix_batch(inputs, (label, ), prob=0.0)
    assert torch.equal(mixed, inputs) and torch.equal(same, label)
    one, _ = cutmix_batch(inputs[:1], (label[:1], ), prob=1.0)
    assert torch.equal(one, inputs[:1])


def test_boxes_mix_images_labels_confidences_and_valid_pixel_for_pixel():
    from mmseg_cwbass.models.utils.cutmix import box_masks, cutmix_with_boxes
    num, height, width = 3, 6, 7
    images = torch.arange(num * 3 * height * width,
                          dtype=torch.float).view(num, 3, height, width)
    label = torch.arange(num * height * width).view(num, height, width)
    confidence = label.float() / 1000
    valid = torch.ones(num, height, width, dtype=torch.bool)
    valid[2, 4:] = False  # padding of the third image
    boxes = [(1, 2, 3, 4), None, (0, 0, 6, 2)]
    masks = box_masks(boxes, (height, width), torch.device('cpu'))
    mixed, maps = cutmix_with_boxes(images, (label, confidence, valid),
                                    masks, partner='reverse')
    for i in range(num):
        for y in range(height):
            for x in range(width):
                box = boxes[i]
                inside = box is not None and \
                    box[0] <= y < box[0] + box[2] and \
                    box[1] <= x < box[1] + box[3]
                src = num - 1 - i if inside else i  # flip(0)
                assert torch.equal(mixed[i, :, y, x], images[src, :, y, x])
                for out, ref in zip(maps, (label, confidence, valid)):
                    assert out[i, y, x] == ref[src, y, x]
    # 'roll' takes the previous image
    _, (rolled, ) = cutmix_with_boxes(images, (label, ), masks, 'roll')
    assert torch.equal(rolled[0, 1:4, 2:6], label[2, 1:4, 2:6])


def test_sampled_boxes_follow_unimatch_v2_ranges():
    import numpy as np
    from mmseg_cwbass.models.utils.cutmix import sample_cutmix_box
    rng = np.random.default_rng(0)
    for _ in range(300):
        top, left, h, w = sample_cutmix_box(64, 64, rng=rng)
        assert 0 <= top and top + h <= 64 and 0 <= left and left + w <= 64
        # int() truncation of sqrt(size * r): area a bit under 40 %
        assert 0.0 < h * w <= 0.4 * 64 * 64
        assert 0.2 <= h / max(w, 1) <= 1 / 0.2
    square = [sample_cutmix_box(32, 48, (0.25, 0.25), (1.0, 1.0), rng)
              for _ in range(5)]
    assert all((h, w) == (16, 24) for _, _, h, w in square)

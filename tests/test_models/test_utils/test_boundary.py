import pytest
import torch

from mmseg_cwbass.models.utils import sobel_boundary_band


def test_vertical_edge_gives_two_pixel_band():
    label = torch.zeros(6, 8, dtype=torch.long)
    label[:, 4:] = 1
    band = sobel_boundary_band(label, num_classes=2, padding='replicate')
    expected = torch.zeros(6, 8, dtype=torch.bool)
    expected[:, 3:5] = True
    assert torch.equal(band, expected)


def test_zero_padding_marks_the_crop_border_replicate_does_not():
    label = torch.ones(1, 5, 5, dtype=torch.long)
    zero = sobel_boundary_band(label, num_classes=3, padding='zero')[0]
    replicate = sobel_boundary_band(label, num_classes=3,
                                    padding='replicate')[0]
    border = torch.ones(5, 5, dtype=torch.bool)
    border[1:-1, 1:-1] = False
    assert torch.equal(zero, border)
    assert not replicate.any()


def test_horizontal_edge_and_batch_shape():
    label = torch.zeros(2, 6, 6, dtype=torch.long)
    label[0, 3:, :] = 2
    band = sobel_boundary_band(label, num_classes=3, padding='replicate')
    assert band.shape == (2, 6, 6)
    assert band[0, 2:4].all() and not band[0, :2].any() and \
        not band[0, 4:].any()
    assert not band[1].any()


def test_ignore_pixels_are_encoded_as_no_class():
    # An ignore region next to class 0 is an edge; a region that is ignored
    # everywhere produces no band at all.
    label = torch.zeros(4, 6, dtype=torch.long)
    label[:, 3:] = 255
    band = sobel_boundary_band(label, num_classes=2, padding='replicate')
    expected = torch.zeros(4, 6, dtype=torch.bool)
    expected[:, 2:4] = True
    assert torch.equal(band, expected)
    all_ignored = torch.full((4, 6), 255, dtype=torch.long)
    assert not sobel_boundary_band(
        all_ignored, num_classes=2, padding='replicate').any()


def test_symmetric_pattern_where_neighbours_differ_but_sobel_cancels():
    # The Sobel response is exactly zero at the centre of this pattern even
    # though its neighbours differ: the band follows the filter, not a
    # "neighbour differs" rule.
    label = torch.zeros(3, 3, dtype=torch.long)
    label[0, :] = 1
    label[2, :] = 1
    label[:, 0] = 1
    label[:, 2] = 1
    band = sobel_boundary_band(label, num_classes=2, padding='replicate')
    assert not band[1, 1]


def test_bad_arguments():
    with pytest.raises(ValueError, match='padding'):
        sobel_boundary_band(torch.zeros(2, 2), 2, padding='reflect')
    with pytest.raises(ValueError, match='shape'):
        sobel_boundary_band(torch.zeros(1, 1, 2, 2), 2)

from .boundary import (BOUNDARY_PADDINGS, label_change_band,
                       sobel_boundary_band)
from .cutmix import cutmix_batch
from .decode import decode_logits, final_head, valid_pixel_mask
from .dynamic_threshold import DynamicThreshold
from .global_batch import (all_ranks_finite, all_reduce_sum,
                           global_mean_divisor, world_size)
from .micro_batch import micro_batch_step
from .nonfinite import refuse_nonfinite_step
from .state_dict_check import check_state_dict_fits

__all__ = [
    'sobel_boundary_band', 'BOUNDARY_PADDINGS', 'DynamicThreshold',
    'label_change_band',
    'cutmix_batch', 'decode_logits', 'final_head', 'valid_pixel_mask',
    'all_ranks_finite', 'all_reduce_sum', 'global_mean_divisor',
    'world_size', 'check_state_dict_fits', 'refuse_nonfinite_step',
    'micro_batch_step'
]

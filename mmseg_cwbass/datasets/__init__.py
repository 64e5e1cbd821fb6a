from .checks import DataConfigError, check_data_config
from .samplers import *  # noqa: F401,F403
from .semi_seg_dataset import SemiSegDataset, image_ids
from .transforms import *  # noqa: F401,F403

__all__ = [
    'SemiSegDataset', 'image_ids', 'check_data_config', 'DataConfigError']

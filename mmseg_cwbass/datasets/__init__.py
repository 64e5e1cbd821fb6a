from .checks import DataConfigError, check_data_config
from .samplers import *  # noqa: F401,F403
from .semi_seg_dataset import SemiSegDataset
from .transforms import *  # noqa: F401,F403

__all__ = ['SemiSegDataset', 'check_data_config', 'DataConfigError']

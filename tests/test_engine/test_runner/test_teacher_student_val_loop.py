import torch
from mmengine.evaluator import BaseMetric
from mmengine.model import BaseModel
from mmengine.runner import Runner
from torch.utils.data import Dataset

from mmseg.registry import METRICS


class Numbers(Dataset):

    def __len__(self):
        return 4

    def __getitem__(self, idx):
        return dict(inputs=torch.tensor([float(idx)]), data_samples=idx)


class TwoHeads(BaseModel):
    """teacher predicts x, student predicts 2x."""

    def __init__(self):
        super().__init__()
        self.teacher = torch.nn.Identity()
        self.student = torch.nn.Linear(1, 1)
        self.semi_test_cfg = dict(predict_on='teacher')

    def forward(self, inputs, data_samples=None, mode='tensor'):
        scale = 1.0 if self.semi_test_cfg['predict_on'] == 'teacher' else 2.0
        return [dict(value=float(x) * scale) for x in inputs]


@METRICS.register_module(force=True)
class MeanValue(BaseMetric):

    def process(self, data_batch, data_samples):
        self.results.extend(s['value'] for s in data_samples)

    def compute_metrics(self, results):
        return dict(mean=sum(results) / len(results))


def test_both_models_are_evaluated_and_prefixed(tmp_path):
    runner = Runner(
        model=TwoHeads(),
        work_dir=str(tmp_path),
        val_dataloader=dict(
            dataset=Numbers(), sampler=dict(type='DefaultSampler',
                                            shuffle=False), batch_size=2),
        val_evaluator=dict(type='MeanValue'),
        val_cfg=dict(type='TeacherStudentValLoop'),
        default_scope='mmseg')
    metrics = runner.val()
    assert metrics == {'teacher/mean': 1.5, 'student/mean': 3.0}
    assert runner.model.semi_test_cfg['predict_on'] == 'teacher'

"""Validation of both teacher and student in one pass over the loop.

Metrics are reported as ``teacher/<name>`` and ``student/<name>`` (e.g.
``teacher/mIoU``), so either can drive ``save_best``. The role mirrors
MMDetection 3.x's ``TeacherStudentValLoop``.
"""
from typing import Dict

from mmengine.model import is_model_wrapper
from mmengine.runner import ValLoop
from mmseg.registry import LOOPS


@LOOPS.register_module()
class TeacherStudentValLoop(ValLoop):
    """Evaluate the teacher, then the student, and report both."""

    def run(self) -> Dict[str, float]:
        """Run validation for both models.

        Returns:
            dict[str, float]: ``teacher/*`` and ``student/*`` metrics.
        """
        self.runner.call_hook('before_val')
        self.runner.call_hook('before_val_epoch')
        self.runner.model.eval()
        model = self.runner.model
        model = model.module if is_model_wrapper(model) else model
        if not hasattr(model, 'semi_test_cfg'):
            raise TypeError('TeacherStudentValLoop needs a teacher/student '
                            f'model, got {type(model).__name__}')
        predict_on = model.semi_test_cfg['predict_on']
        metrics: Dict[str, float] = {}
        try:
            for branch in ('teacher', 'student'):
                model.semi_test_cfg['predict_on'] = branch
                self.val_loss.clear()
                for idx, data_batch in enumerate(self.dataloader):
                    self.run_iter(idx, data_batch)
                branch_metrics = self.evaluator.evaluate(
                    len(self.dataloader.dataset))
                metrics.update({
                    f'{branch}/{name}': value
                    for name, value in branch_metrics.items()
                })
        finally:
            model.semi_test_cfg['predict_on'] = predict_on
        self.runner.call_hook('after_val_epoch', metrics=metrics)
        self.runner.call_hook('after_val')
        return metrics

# Copyright (c) aclnet-mm contributors. All rights reserved.
from typing import Dict, Sequence, Union

from mmaction.registry import HOOKS
from mmengine.hooks import CheckpointHook, Hook
from mmengine.logging import print_log

__all__ = ['TestAfterTrainHook']

_CHOICES = ('last', 'best')


@HOOKS.register_module()
class TestAfterTrainHook(Hook):
    """Test the last and / or the best weights once training ends.

    ACLNet's paper protocol reports both: the weights of the last epoch and
    those of the best validation epoch (its validation split is the test
    split, so the best one is selected on test data). As a hook in the
    config, every entry point that trains the config (ours, MMAction2's
    ``tools/train.py``, ``mim train``) runs the same tests::

        custom_hooks = [dict(type=TestAfterTrainHook, which=('last', 'best'))]

    The last weights are tested first, since loading the best checkpoint
    replaces them. ``'best'`` needs ``default_hooks.checkpoint.save_best``
    and validation during training. The test loop logs the metrics as
    ``tools/test.py`` does (``Epoch(test)``); this hook adds one line naming
    the weights tested.

    Args:
        which (str | Sequence[str]): ``'last'`` and / or ``'best'``.
            Defaults to ``('last', 'best')``.
    """

    # After the other hooks' ``after_train``: the checkpoints are final.
    priority = 'LOWEST'

    def __init__(self, which: Union[str, Sequence[str]] = _CHOICES) -> None:
        which = (which, ) if isinstance(which, str) else tuple(which)
        unknown = sorted(set(which) - set(_CHOICES))
        if unknown or not which:
            raise ValueError(f'which takes {_CHOICES}, got {which!r}')
        self.which = tuple(name for name in _CHOICES if name in which)
        #: The test metrics of each tested checkpoint, by name.
        self.results: Dict[str, dict] = {}

    def before_train(self, runner) -> None:
        """Check that the tests asked for can run, before training."""
        # Fail before hours of training, not after them (this builds the
        # test loop and its dataset now).
        if runner.test_loop is None:
            raise RuntimeError(
                'TestAfterTrainHook needs test_dataloader, test_cfg and '
                'test_evaluator in the config')
        saves_best = any(
            isinstance(hook, CheckpointHook) and hook.save_best
            for hook in runner.hooks)
        if 'best' in self.which and (runner.val_loop is None
                                     or not saves_best):
            raise RuntimeError(
                'TestAfterTrainHook asks for the best checkpoint, but none '
                'will be saved: validate during training and set '
                'default_hooks.checkpoint.save_best')

    def after_train(self, runner) -> None:
        """Test the weights of the finished training."""
        for name in self.which:
            if name == 'best':
                best = runner.message_hub.get_info('best_ckpt')
                if best is None:
                    raise RuntimeError('no best checkpoint was saved')
                runner.load_checkpoint(best)
                label = f'best checkpoint {best}'
            else:
                label = f'last weights (epoch {runner.epoch})'
            # The test loop only: ``runner.test()`` would call the
            # ``before_run`` / ``after_run`` hooks a second time.
            metrics = runner.test_loop.run()
            self.results[name] = metrics
            print_log(
                f'test of the {label}: ' +
                '  '.join(f'{key}: {value:.4f}'
                          if isinstance(value, float) else f'{key}: {value}'
                          for key, value in metrics.items()),
                logger='current')

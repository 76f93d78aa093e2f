# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Fill a contrastive queue before training starts (AS-CAL's epoch 1)."""
from mmaction.registry import HOOKS
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

__all__ = ['QueueWarmupHook']


@HOOKS.register_module()
class QueueWarmupHook(Hook):
    """Run ``num_epochs`` passes over the training data that only enqueue.

    The reference's first epoch computes keys with the untrained key
    encoder and pushes them, without a backward pass, optimiser step or
    momentum update; its 60 training epochs follow. This hook does that
    pass before the first training epoch, through the model's
    ``warmup_step(data_batch)``, so the Runner's epochs are the training
    epochs (the reference's ``lr x0.1 after epoch 30`` becomes milestone 29
    here). Each rank reads its own shard and the model all-gathers the keys,
    so the queues stay identical. The pass runs only when training starts
    from iteration 0: a resumed run finds its queue in the checkpoint.

    Args:
        num_epochs (int): Number of filling passes. Defaults to 1.
    """

    priority = 'NORMAL'

    def __init__(self, num_epochs: int = 1) -> None:
        if num_epochs < 0:
            raise ValueError(f'num_epochs must be >= 0, got {num_epochs}')
        self.num_epochs = num_epochs

    def before_train(self, runner) -> None:
        """Fill the queue when the run starts from scratch.

        Args:
            runner (Runner): The runner.
        """
        if runner.iter != 0:
            return
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        was_training = model.training
        model.train()
        for _ in range(self.num_epochs):
            for data_batch in runner.train_dataloader:
                model.warmup_step(data_batch)
        model.train(was_training)
        runner.logger.info(
            f'QueueWarmupHook: {self.num_epochs} filling pass(es) over '
            f'{len(runner.train_dataloader)} batches done')

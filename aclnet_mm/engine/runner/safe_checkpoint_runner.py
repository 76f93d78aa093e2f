# Copyright (c) aclnet-mm contributors. All rights reserved.
from typing import Callable, Sequence, Union

from mmaction.registry import RUNNERS
from mmengine.dist import broadcast
from mmengine.model import is_model_wrapper
from mmengine.runner import Runner
from mmengine.runner.checkpoint import _load_checkpoint_to_model

from aclnet_mm.engine.hooks.plain_message_hub_hook import PlainMessageHubHook
from aclnet_mm.utils.atomic_checkpoint import find_latest_complete_checkpoint
from aclnet_mm.utils.checkpoint_loading import load_checkpoint_file
from aclnet_mm.utils.pretrained_init import (load_pretrained_init_cfgs,
                                             restore_init_cfgs,
                                             take_pretrained_init_cfgs)

__all__ = ['SafeCheckpointRunner']


@RUNNERS.register_module()
class SafeCheckpointRunner(Runner):
    """MMEngine's ``Runner`` with checked auto-resume and safe loading.

    Selected by ``runner_type`` in our runtime fragment, so it is the
    runner of our configs under our tools, MMAction2's ``tools/train.py``
    and ``mim train mmaction`` alike. Three things differ from ``Runner``:

    * auto-resume (``resume=True`` without ``load_from``) starts from
      :func:`~aclnet_mm.utils.atomic_checkpoint.
      find_latest_complete_checkpoint`: a torn or corrupted latest
      checkpoint is skipped with a warning that names it;
    * every checkpoint (``load_from``, ``--resume``, ``tools/test.py
      CKPT``) is read by :func:`~aclnet_mm.utils.checkpoint_loading.
      load_checkpoint_file`: checked for truncation and CRC damage, loaded
      with ``weights_only=True``, and refused, naming the file and the
      opt-in, when only full unpickling could read it. A remote one
      (``https://``, ``open-mmlab://``, ``s3://`` ...) is fetched to a
      local file first (MMEngine's loaders would unpickle an ``https://``
      file fully);
    * :class:`~aclnet_mm.engine.hooks.PlainMessageHubHook` is registered,
      so the checkpoints it writes hold plain data only;
    * a module's ``init_cfg=dict(type='Pretrained', checkpoint=...)`` is
      loaded by the same safe loader (see
      :mod:`~aclnet_mm.utils.pretrained_init`), not by MMEngine's
      ``PretrainedInit``; MMEngine itself is not changed.
    """

    def _init_model_weights(self) -> None:
        """``init_weights`` without ``Pretrained`` entries, which are then
        loaded under our checkpoint policy."""
        model = self.model.module if is_model_wrapper(
            self.model) else self.model
        taken = take_pretrained_init_cfgs(model)
        try:
            super()._init_model_weights()
            load_pretrained_init_cfgs(taken)
        finally:
            restore_init_cfgs(taken)
        if taken:  # ranks loaded the same files; keep them bit-identical
            for value in model.state_dict().values():
                broadcast(value)

    def register_hooks(self, default_hooks=None, custom_hooks=None) -> None:
        """Register the hooks of the config plus ``PlainMessageHubHook``."""
        super().register_hooks(default_hooks, custom_hooks)
        if not any(
                isinstance(hook, PlainMessageHubHook) for hook in self._hooks):
            self.register_hook(PlainMessageHubHook())

    def load_or_resume(self) -> None:
        """Load or resume; auto-resume skips an incomplete checkpoint."""
        if self._has_loaded:
            return None
        if self._resume and self._load_from is None:
            latest = find_latest_complete_checkpoint(self.work_dir)
            if latest is None:
                return None  # a fresh run, as in MMEngine
            # From here on it is MMEngine's "resume from this file".
            self._load_from = latest
            self.logger.info(
                f'Auto resumed from the latest checkpoint {latest}.')
        return super().load_or_resume()

    def load_checkpoint(self,
                        filename: str,
                        map_location: Union[str, Callable] = 'cpu',
                        strict: bool = False,
                        revise_keys: Sequence = ((r'^module.', ''), )):
        """Load a checkpoint into the model, as ``Runner.load_checkpoint``.

        Args:
            filename (str): A local path or a URL (fetched to a local file
                first, see :func:`~aclnet_mm.utils.checkpoint_loading.
                local_checkpoint_path`).
            map_location (str or callable): As for :func:`torch.load`.
                Defaults to 'cpu'.
            strict (bool): Whether the keys must match exactly.
                Defaults to False.
            revise_keys (Sequence): ``(pattern, replacement)`` pairs applied to
                the state-dict keys. Defaults to stripping ``module.``.

        Returns:
            dict: The loaded checkpoint.
        """
        checkpoint = load_checkpoint_file(filename, map_location=map_location)
        self.call_hook('after_load_checkpoint', checkpoint=checkpoint)
        model = self.model.module if is_model_wrapper(
            self.model) else self.model
        checkpoint = _load_checkpoint_to_model(
            model, checkpoint, strict, revise_keys=revise_keys)
        self._has_loaded = True
        self.logger.info(f'Load checkpoint from {filename}')
        return checkpoint
